"""Degeneration guards: a run that collapses says so, once, by name and step.

Whatever the cause (a learning rate too high, a reward that can be gamed, a numerical
fault), a policy degenerates in a few recognisable ways: its completions shrink to a token
or two, or all run to ``max_new_tokens``; its entropy falls towards zero; its KL to the
reference runs away; or the reward it learns from stops varying. Each guard reads metrics
that the step or a held-out evaluation already logs, compares one of them with a threshold
of ``guards.*`` (``GuardsConfig``) and fires once per run; ``guards.action`` says whether
the run then goes on (``warn``) or ends cleanly at that step (``stop``). The runner saves
what fired in ``summary.json`` and the comparison report flags the run.

A metric whose first reading is already past its threshold (the reference at step 0, or the
first training step) is not watched: a base model whose answers all run past a short
``max_new_tokens`` has not degenerated, and the guards report only what training did.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import asdict, dataclass
from typing import Any

from alignzoo.config.schema import GuardAction, GuardsConfig
from alignzoo.rewards.watch import ConstantRewardWarning, ConstantRewardWatch

#: a pseudo-metric carrying the reward watch's count through the processes' all-reduce, so
#: every process judges the same figure (and stops at the same step); never logged
REWARD_COUNT = "guards/constant_reward_batches"
CONSTANT_REWARD = "constant_reward"


class DegenerationWarning(RuntimeWarning):
    """A guard fired: the run's policy, by one of its metrics, has degenerated."""


@dataclass(frozen=True)
class Guard:
    """One way to degenerate: the metrics that show it and the threshold they must not pass."""

    name: str
    #: the ``GuardsConfig`` field holding the threshold
    field: str
    #: True: fires when a value falls below the threshold; False: when it rises above
    below: bool
    #: what it means, in words for the warning
    meaning: str
    #: metric names read exactly
    names: tuple[str, ...] = ()
    #: metric-name endings read too (algorithms prefix their own: ``grpo/completion_tokens``)
    suffixes: tuple[str, ...] = ()

    def reads(self, metric: str) -> bool:
        """Whether ``metric`` is one this guard watches."""
        return metric in self.names or metric.endswith(self.suffixes)

    def passed(self, value: float, threshold: float) -> bool:
        """Whether ``value`` lies past ``threshold`` on the degenerate side."""
        return value < threshold if self.below else value > threshold


GUARDS = (
    Guard(
        "short_completions",
        "min_completion_tokens",
        below=True,
        meaning="completions have collapsed to a token or two",
        suffixes=("/completion_tokens",),
    ),
    Guard(
        "truncated_completions",
        "max_truncated_share",
        below=False,
        meaning="nearly every completion runs to max_new_tokens without ending",
        suffixes=("/truncated",),
    ),
    Guard(
        "low_entropy",
        "min_entropy",
        below=True,
        meaning="the policy's entropy has fallen towards zero: it samples nearly one answer",
        names=("eval/entropy", "policy/entropy"),
    ),
    Guard(
        "kl_runaway",
        "max_kl",
        below=False,
        meaning="the policy has run away from its reference",
        names=("eval/kl", "objective/kl"),
    ),
)


@dataclass
class GuardFiring:
    """One guard that fired: which, on what metric, at which step, how far past what."""

    guard: str
    step: int
    metric: str
    value: float
    threshold: float
    action: str
    message: str


class GuardWatch:
    """Reads each step's and each evaluation's metrics; fires each guard at most once.

    ``speak``: whether this process warns (the main one); every process judges the same,
    all-reduced figures, so all stop at the same step. ``last_checkpoint`` says in words where
    the run can be taken up again, for the message of a guard that stops it.
    """

    def __init__(
        self,
        config: GuardsConfig,
        reward: ConstantRewardWatch | None = None,
        speak: bool = True,
        last_checkpoint: Callable[[], str] = lambda: "",
    ) -> None:
        self.config, self.reward, self.speak = config, reward, speak
        self.last_checkpoint = last_checkpoint
        self.fired: list[GuardFiring] = []
        #: metrics read once already; (guard, metric) pairs past their threshold at that read
        self._seen: set[str] = set()
        self._exempt: set[tuple[str, str]] = set()

    @property
    def stopped(self) -> GuardFiring | None:
        """The guard that ended the run (``guards.action=stop``), if one did."""
        stops = [f for f in self.fired if f.action == GuardAction.stop]
        return stops[0] if stops else None

    def reward_count(self) -> dict[str, float]:
        """The reward watch's count as a pseudo-metric, to all-reduce with the step's."""
        if self.reward is None or self.config.constant_reward_batches is None:
            return {}
        return {REWARD_COUNT: float(self.reward.constant_batches)}

    def check(self, step: int, metrics: MutableMapping[str, Any]) -> list[GuardFiring]:
        """Judge one row of metrics (a step's or an evaluation's); return what fired now.

        Takes ``REWARD_COUNT`` out of ``metrics``, so the row can then be logged as it is.
        """
        fired = []
        count = metrics.pop(REWARD_COUNT, None)
        if count is not None:
            fired += self._check_reward(step, float(count))
        for metric, value in list(metrics.items()):
            if not isinstance(value, int | float) or not math.isfinite(value):
                continue  # non-finite steps are train.max_bad_steps' to judge
            first = metric not in self._seen
            self._seen.add(metric)
            for guard in GUARDS:
                threshold = getattr(self.config, guard.field)
                if threshold is None or not guard.reads(metric) or self._has_fired(guard.name):
                    continue
                if not guard.passed(float(value), threshold):
                    continue
                if first:  # already there before training did anything
                    self._exempt.add((guard.name, metric))
                elif (guard.name, metric) not in self._exempt:
                    fired.append(self._fire(guard, step, metric, float(value), threshold))
        return fired

    def _check_reward(self, step: int, count: float) -> list[GuardFiring]:
        threshold = self.config.constant_reward_batches
        if self.reward is None or threshold is None or self._has_fired(CONSTANT_REWARD):
            return []
        if count < threshold:
            return []
        words = self.reward.constant_message(count)
        return [self._record(CONSTANT_REWARD, step, REWARD_COUNT, count, threshold, words)]

    def _fire(
        self, guard: Guard, step: int, metric: str, value: float, threshold: float
    ) -> GuardFiring:
        side = "<" if guard.below else ">"
        words = f"{metric}={value:.4g} {side} guards.{guard.field}={threshold:g}: {guard.meaning}"
        return self._record(guard.name, step, metric, value, threshold, words)

    def _record(
        self, name: str, step: int, metric: str, value: float, threshold: float, words: str
    ) -> GuardFiring:
        action = self.config.action
        if action == GuardAction.stop and self.stopped is None:
            then = "guards.action=stop: the run ends at this step, saving no checkpoint or "
            then += "policy from it. " + self.last_checkpoint()
        elif action == GuardAction.stop:
            then = "(the run is ending already)"
        else:
            then = "guards.action=warn: training goes on (guards.action=stop ends the run)"
        message = f"guard {name} fired at step {step}: {words.rstrip('.')}. {then}".strip()
        firing = GuardFiring(name, step, metric, value, threshold, str(action), message)
        self.fired.append(firing)
        if self.speak:
            category = ConstantRewardWarning if name == CONSTANT_REWARD else DegenerationWarning
            warnings.warn(message, category, stacklevel=3)
        return firing

    def _has_fired(self, name: str) -> bool:
        return any(f.guard == name for f in self.fired)

    def summary(self) -> dict[str, Any]:
        """For summary.json: every guard that fired, and what stopped the run (None: none)."""
        stopped = self.stopped
        return {
            "guards": [asdict(f) for f in self.fired],
            "stopped": None if stopped is None else {"by": "guard", **asdict(stopped)},
        }

    def state_dict(self) -> dict[str, Any]:
        """What fired and which first readings were exempt, for a checkpoint."""
        return {
            "fired": [asdict(f) for f in self.fired],
            "seen": sorted(self._seen),
            "exempt": sorted(f"{guard}|{metric}" for guard, metric in self._exempt),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Take back ``state_dict``'s values (an older checkpoint's empty state: afresh)."""
        self.fired = [GuardFiring(**f) for f in state.get("fired", [])]
        self._seen = set(state.get("seen", []))
        pairs = (entry.partition("|") for entry in state.get("exempt", []))
        self._exempt = {(guard, metric) for guard, _, metric in pairs}
