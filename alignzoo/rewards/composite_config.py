"""The typed config of ``reward=composite``, apart from the reward itself: registering it
imports no torch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING


@dataclass
class RewardComponent:
    """One term of a composite: a registered reward, its weight and its own config fields."""

    name: str = MISSING
    weight: float = 1.0
    #: rescale by running mean and std, so terms of different ranges weigh as their weights say
    normalize: bool = False
    #: fields of that reward's own config, e.g. {target: 12} for ``length``
    config: dict[str, Any] = field(default_factory=dict)
    #: the metric label (``rewards/<label>``); defaults to the name
    label: str | None = None


@dataclass
class CompositeRewardConfig:
    """``reward=composite`` with ``reward.components=[...]``; presets in alignzoo/conf/reward/."""

    components: list[RewardComponent] = field(default_factory=list)
