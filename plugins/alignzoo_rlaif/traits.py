"""What the planner and the runner know of RLAIF before building it (torch-free)."""

from __future__ import annotations

from typing import Any

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo.registry import AlgorithmComponent, installed_plugins
from alignzoo_rlaif.config import DPO, RLAIFConfig


class RLAIFTraits(AlgorithmTraits):
    """RLAIFAlgorithm's class-level facts."""

    consumes = "pairs"

    @classmethod
    def memory_traits(
        cls, config: RLAIFConfig, train: TrainConfig, hidden_size: int
    ) -> MemoryTraits:
        """DPO's, on the policy (the judge is a separate model, loaded beside it)."""
        dpo, dpo_config = required_dpo(config)
        return dpo.traits.memory_traits(dpo_config, train, hidden_size)


def required_dpo(config: RLAIFConfig) -> tuple[AlgorithmComponent, Any]:
    """The DPO plugin's component, found through the registry, and its config."""
    return installed_plugins().registry.required_algorithm(config.dpo, DPO)
