"""What the planner and the runner know of reward-model training before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits


class RewardModelTraits(AlgorithmTraits):
    """RewardModelAlgorithm's class-level facts."""

    consumes = "pairs"
    model_kind = "reward_model"
