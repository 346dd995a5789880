"""A plain typed function ``(prompt, completion, **fields) -> float`` as a reward source.

TRL's reward functions are plain callables too; here each also gets a typed config, so
``reward=<name> reward.<field>=...`` is checked at compose time like any other reward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import torch

from alignzoo.rewards.function_config import RewardFunction
from alignzoo.rewards.source import RewardSource


def score_each(
    rule: Callable[[str, str], float], prompts: Sequence[str], completions: Sequence[str]
) -> torch.Tensor:
    """``rule`` on every (prompt, completion) pair, as a float32 CPU tensor of shape [N]."""
    if len(prompts) != len(completions):
        raise ValueError(f"{len(prompts)} prompts but {len(completions)} completions")
    values = [float(rule(p, c)) for p, c in zip(prompts, completions, strict=True)]
    return torch.tensor(values, dtype=torch.float32)


class FunctionReward(RewardSource):
    """Scores each pair with ``function(prompt, completion, **fields of config)``."""

    def __init__(self, name: str, function: RewardFunction, config: Any) -> None:
        self.name, self.function = name, function
        self.fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """The function over the batch."""
        return score_each(lambda p, c: self.function(p, c, **self.fields), prompts, completions)
