"""The reward-source interface: anything that scores completions of prompts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import torch


class RewardSource(ABC):
    """Scores completions in batches: learned models, rules, AI judges and their sums.

    ``score`` returns one float per (prompt, completion) pair, higher is better. Sources
    are plain objects; the runner never needs to know which family one belongs to.
    """

    #: the metric name under which this source's mean is logged (``rewards/<name>``)
    name: str = "reward"

    @abstractmethod
    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """Return a float tensor of shape [len(prompts)]."""

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
