"""The reward-source interface: anything that scores completions of prompts."""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import torch

from alignzoo.data.records import Fields


class RewardSource(ABC):
    """Scores completions in batches: learned models, rules, verifiers, AI judges and sums.

    ``score`` returns one float per (prompt, completion) pair, higher is better. A source
    that checks completions against the data (a verifier) declares a third parameter,
    ``fields``: one mapping per completion, the per-example columns of its prompt's row
    (plugin API 1.4). Callers go through ``score_examples``, which hands ``fields`` only to a
    ``score`` that declares it, so a source written for 1.3 or earlier keeps working.
    """

    #: the metric name under which this source's mean is logged (``rewards/<name>``)
    name: str = "reward"

    @abstractmethod
    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """Return a float tensor of shape [len(prompts)]. (A verifier's signature adds
        ``fields: Sequence[Fields] | None = None``.)"""

    def score_examples(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        fields: Sequence[Fields] | None = None,
    ) -> torch.Tensor:
        """``score``, with each completion's per-example ``fields`` when it declares them."""
        if fields is not None and len(fields) != len(completions):
            raise ValueError(f"{len(fields)} rows of fields for {len(completions)} completions")
        if fields is not None and takes_fields(type(self)):
            return self.score(prompts, completions, fields)  # type: ignore[call-arg]
        return self.score(prompts, completions)

    def share_policy_base(self, policy: torch.nn.Module) -> None:  # noqa: B027 - optional hook
        """Called once with the policy before training; a source whose model can live on the
        policy's own base (a LoRA reward model trained on it) attaches there: one copy of the
        weights. Default: nothing."""

    def state_dict(self) -> dict[str, Any]:
        """What changes as the source scores (running normalisation moments), for an exact
        resume; tensors and plain Python values only. Default: nothing."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Take back what ``state_dict`` returned. Default: nothing."""

    def metrics(self) -> dict[str, float]:
        """Figures about the last ``score`` call worth logging (composites: each component)."""
        return {}

    def last_terms(self) -> dict[str, tuple[float, torch.Tensor]]:
        """The weighted parts the last ``score`` summed, ``{label: (weight, per-completion
        scores)}``, so an algorithm can normalise each source on its own (GRPO); empty when
        the score is a single term (default)."""
        return {}


@functools.cache
def takes_fields(source: type[RewardSource]) -> bool:
    """Whether ``source.score`` declares the per-example ``fields`` (plugin API 1.4)."""
    return "fields" in inspect.signature(source.score).parameters
