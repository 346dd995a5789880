"""Typed configs of ``algorithm=reward_model`` (training) and ``reward=learned`` (scoring).

With ``RewardModelTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alignzoo.algorithms.traits import AlgorithmTraits
from alignzoo.config.ranges import COUNT, NON_NEGATIVE, FieldRanges, at_least, check_config_ranges
from alignzoo.config.schema import Device, QuantPreset
from alignzoo.config.validation import required


@dataclass
class RewardModelConfig:
    """Bradley-Terry reward-model training on preference pairs."""

    #: required gap r(chosen) - r(rejected) before the loss lets go (0: plain Bradley-Terry);
    #: a pair whose data gives a ``margin`` column uses its own
    margin: float = 0.0
    #: weight of a term mean((r_c + r_r)^2) that pulls the rewards' mean to zero, so scores
    #: stay centred for the RL step that reads them (Eisenstein et al. 2023; TRL's
    #: center_rewards_coefficient); 0: off
    center_rewards_coefficient: float = 0.0

    field_ranges: ClassVar[FieldRanges] = {
        "margin": NON_NEGATIVE,
        "center_rewards_coefficient": NON_NEGATIVE,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


@dataclass
class LearnedRewardConfig:
    """``reward=learned reward.path=<dir>``: a trained reward model scores completions."""

    #: a directory saved by ``algorithm=reward_model`` (``<run dir>/reward_model``) or a hub id
    path: str = required(
        "a directory saved by algorithm=reward_model (<run dir>/reward_model), or a hub id"
    )
    batch_size: int = 64
    max_length: int = 128
    #: subtracted from every score
    offset: float = 0.0
    #: also subtract the model's mean reward on its training pairs (reward_stats.json)
    center: bool = False
    #: rescale by the running mean and std of every score seen so far
    normalize: bool = False
    #: "auto" picks CUDA when present
    device: Device = Device.auto
    #: load the reward model's weights as none, 4bit or 8bit (bitsandbytes)
    quant: QuantPreset = QuantPreset["none"]
    #: a LoRA reward model trained on the policy's base: load its adapter onto the policy
    #: (needs peft=lora) instead of a second copy of the base
    share_base: bool = False

    field_ranges: ClassVar[FieldRanges] = {
        "batch_size": COUNT,
        "max_length": at_least(2),
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "reward")


class RewardModelTraits(AlgorithmTraits):
    """RewardModelAlgorithm's class-level facts."""

    consumes = "pairs"
    model_kind = "reward_model"
