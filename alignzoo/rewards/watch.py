"""Watches the training reward for a silent failure: a score that never varies trains nothing.

A reward that gives every completion the same score (a regex for a character the tokenizer
cannot produce, a keyword the policy never says) yields zero advantages, so an RL run goes
on for its whole budget learning nothing. The runner wraps the training reward in this watch,
which also checks that each ``score`` returns one value per completion.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import torch

from alignzoo.data.records import Fields
from alignzoo.errors import PluginError
from alignzoo.rewards.source import RewardSource

#: consecutive batches of identical scores before the warning
PATIENCE = 3


class ConstantRewardWarning(RuntimeWarning):
    """The training reward scored every completion alike for several batches in a row."""


class ConstantRewardWatch(RewardSource):
    """Delegates to ``source``; warns once, naming it, when its scores stop varying."""

    def __init__(
        self,
        source: RewardSource,
        registered_name: str,
        patience: int = PATIENCE,
        warn: bool = True,
    ) -> None:
        """``warn=False``: only count; the runner's ``constant_reward`` guard reads the count
        (``constant_batches``) and says so itself, so a run gets one message, not two."""
        self.source, self.registered_name, self.patience = source, registered_name, patience
        self.name, self.warn = source.name, warn
        self._constant_batches = 0
        self._warned = False
        #: the score every completion got in the last batch, when that batch was constant
        self.constant_score: float | None = None

    def score(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        fields: Sequence[Fields] | None = None,
    ) -> torch.Tensor:
        """The source's scores, checked for shape and watched for variance."""
        scores = self.source.score_examples(prompts, completions, fields)
        if not isinstance(scores, torch.Tensor) or scores.shape != (len(completions),):
            shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores)
            raise PluginError(
                f"reward={self.registered_name}: score() returned {shape} for "
                f"{len(completions)} completions; expected a float tensor of shape "
                f"[{len(completions)}] (on any device)"
            )
        if len(completions) > 1:
            constant = bool((scores == scores[0]).all())
            self._constant_batches = self._constant_batches + 1 if constant else 0
            self.constant_score = scores[0].item() if constant else None
            due = self._constant_batches >= self.patience
            if self.warn and due and not self._warned:
                self._warned = True
                warnings.warn(self.constant_message(), ConstantRewardWarning, stacklevel=2)
        return scores

    @property
    def constant_batches(self) -> int:
        """How many batches in a row, up to the last, were scored all alike."""
        return self._constant_batches

    def constant_message(self, batches: float | None = None) -> str:
        """What a constant reward means, naming it (``batches``: the count to quote)."""
        count = self._constant_batches if batches is None else batches
        score = "" if self.constant_score is None else f" ({self.constant_score:g})"
        return (
            f"reward={self.registered_name} gave every completion the same score{score} "
            f"in {count:g} batches in a row: its variance is zero, so there is nothing to "
            "learn from it. Check that what it rewards can be produced at all (the "
            "tokenizer's vocabulary, sampling length) and that it is configured as you meant."
        )

    def share_policy_base(self, policy: torch.nn.Module) -> None:
        """Passed on to the watched source."""
        self.source.share_policy_base(policy)

    def state_dict(self) -> dict[str, Any]:
        """The watched source's state, and how long its scores have been constant."""
        return {
            "source": self.source.state_dict(),
            "constant_batches": self._constant_batches,
            "warned": self._warned,
            "constant_score": self.constant_score,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back ``state_dict``'s values."""
        self.source.load_state_dict(state["source"])
        self._constant_batches, self._warned = state["constant_batches"], state["warned"]
        self.constant_score = state.get("constant_score")  # older checkpoints lack it

    def metrics(self) -> dict[str, float]:
        """The watched source's metrics."""
        return self.source.metrics()

    def last_terms(self) -> dict[str, tuple[float, torch.Tensor]]:
        """The watched source's terms."""
        return self.source.last_terms()
