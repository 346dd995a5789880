"""What the planner and the runner know of RLAIF before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import (
    AlgorithmTraits,
    MemoryTraits,
    required_registry,
    step_memory,
)
from alignzoo.config.schema import TrainConfig
from alignzoo.registry import PluginRegistry
from alignzoo_rlaif.config import DPO, RLAIFConfig


class RLAIFTraits(AlgorithmTraits):
    """RLAIFAlgorithm's class-level facts."""

    consumes = "pairs"

    @classmethod
    def memory_traits(
        cls,
        config: RLAIFConfig,
        train: TrainConfig,
        hidden_size: int,
        registry: PluginRegistry | None = None,
    ) -> MemoryTraits:
        """DPO's, on the policy (the judge is a separate model, loaded beside it)."""
        dpo, dpo_config = required_registry(registry).required_algorithm(config.dpo, DPO)
        return step_memory(dpo.traits, dpo_config, train, hidden_size, registry)
