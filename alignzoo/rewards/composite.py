"""A weighted sum of reward sources, each optionally normalised, is itself a reward source."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from omegaconf import OmegaConf

from alignzoo.data.records import Fields
from alignzoo.errors import ConfigError
from alignzoo.rewards.composite_config import CompositeRewardConfig
from alignzoo.rewards.source import RewardSource


class RunningMoments:
    """Running mean and variance of every value seen (Welford / Chan's parallel update)."""

    def __init__(self) -> None:
        self.count, self.mean, self.m2 = 0, 0.0, 0.0

    def update(self, values: torch.Tensor) -> None:
        """Fold a batch of values into the moments."""
        n = values.numel()
        if n == 0:
            return
        batch_mean = values.double().mean().item()
        batch_m2 = ((values.double() - batch_mean) ** 2).sum().item()
        delta, total = batch_mean - self.mean, self.count + n
        self.mean += delta * n / total
        self.m2 += batch_m2 + delta**2 * self.count * n / total
        self.count = total

    def state_dict(self) -> dict[str, float]:
        """The count and moments, for a checkpoint."""
        return {"count": self.count, "mean": self.mean, "m2": self.m2}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Take back ``state_dict``'s values."""
        self.count, self.mean, self.m2 = int(state["count"]), state["mean"], state["m2"]

    @property
    def std(self) -> float:
        """Population standard deviation of everything seen so far."""
        return (self.m2 / self.count) ** 0.5 if self.count else 1.0


class CompositeReward(RewardSource):
    """sum_i w_i * norm_i(r_i(prompt, completion)), logging each r_i's mean as rewards/<label>."""

    name = "composite"

    def __init__(
        self,
        config: CompositeRewardConfig,
        build: Callable[[str, dict[str, Any]], RewardSource],
    ) -> None:
        if not config.components:
            raise ConfigError("reward.components is empty: list at least one {name, weight}")
        self.terms: list[tuple[str, float, RunningMoments | None, RewardSource]] = []
        for i, term in enumerate(config.components):
            label = term.label or term.name
            if any(label == other for other, *_ in self.terms):
                raise ConfigError(f"reward.components[{i}]: label {label!r} is used twice")
            moments = RunningMoments() if term.normalize else None
            self.terms.append((label, term.weight, moments, build(term.name, term.config)))
        self._last: dict[str, float] = {}
        self._last_terms: dict[str, tuple[float, torch.Tensor]] = {}

    def score(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        fields: Sequence[Fields] | None = None,
    ) -> torch.Tensor:
        """Weighted sum of the (normalised) component scores; each component gets the
        per-example fields if it takes them."""
        total = torch.zeros(len(completions))
        self._last, self._last_terms = {}, {}
        for label, weight, moments, source in self.terms:
            raw = source.score_examples(prompts, completions, fields).float().cpu()
            self._last[f"rewards/{label}"] = raw.mean().item()
            if moments is not None:
                moments.update(raw)
                raw = (raw - moments.mean) / (moments.std + 1e-8)
            self._last_terms[label] = (weight, raw)
            total += weight * raw
        return total

    def share_policy_base(self, policy: torch.nn.Module) -> None:
        """Let each component attach to the policy's base."""
        for *_, source in self.terms:
            source.share_policy_base(policy)

    def state_dict(self) -> dict[str, Any]:
        """Each component's normalisation moments and own state, by label."""
        return {
            label: {
                "moments": moments.state_dict() if moments is not None else None,
                "source": source.state_dict(),
            }
            for label, _, moments, source in self.terms
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back ``state_dict``'s moments and component states."""
        for label, _, moments, source in self.terms:
            if moments is not None:
                moments.load_state_dict(state[label]["moments"])
            source.load_state_dict(state[label]["source"])

    def metrics(self) -> dict[str, float]:
        """Each component's raw mean on the last batch, and each component's own figures
        (a judge's ``judge/unreadable``)."""
        own = [source.metrics() for _, _, _, source in self.terms]
        return {key: value for figures in own for key, value in figures.items()} | self._last

    def last_terms(self) -> dict[str, tuple[float, torch.Tensor]]:
        """Each component's weight and (normalised, if asked) scores on the last batch."""
        return dict(self._last_terms)


def component_builder(registry: Any) -> Callable[[str, dict[str, Any]], RewardSource]:
    """Build a registered reward by name from a plain dict, validated against its dataclass."""

    def build(name: str, fields: dict[str, Any]) -> RewardSource:
        component = registry.get("reward", name)
        try:
            node = OmegaConf.merge(OmegaConf.structured(component.config_class), fields)
        except Exception as error:  # omegaconf names the offending key
            raise ConfigError(f"reward.components: config of {name!r}: {error}") from error
        return component.build(node)

    return build
