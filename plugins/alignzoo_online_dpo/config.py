"""The typed config of ``algorithm=online_dpo``: sampling, and the DPO loss it steps with.

With ``OnlineDPOTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alignzoo.algorithms.traits import (
    AlgorithmTraits,
    MemoryTraits,
    required_registry,
    step_memory,
)
from alignzoo.config.ranges import check_config_ranges
from alignzoo.config.schema import SamplingConfig, TrainConfig
from alignzoo.registry import PluginRegistry

#: the algorithm whose step learns from the labelled pairs, reached through the registry
#: (here, not in ``algorithm.py``, so that registering imports no torch)
DPO = "dpo"


@dataclass
class OnlineDPOConfig:
    """Online DPO (Guo et al. 2024, "Direct Language Model Alignment from Online AI Feedback").

    ``algorithm.rollout.*`` configures the sampling, ``algorithm.dpo.*`` the DPO step: the DPO
    plugin's own config (any of its losses), which the registry types once plugins have loaded
    (None: DPO's defaults). ``train.batch_size`` counts prompts, two completions each.
    """

    rollout: SamplingConfig = field(default_factory=SamplingConfig)
    dpo: Any = None

    def __post_init__(self) -> None:
        """A nonsense sampling value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


class OnlineDPOTraits(AlgorithmTraits):
    """OnlineDPOAlgorithm's class-level facts."""

    consumes = "prompts"

    @classmethod
    def memory_traits(
        cls,
        config: OnlineDPOConfig,
        train: TrainConfig,
        hidden_size: int,
        registry: PluginRegistry | None = None,
    ) -> MemoryTraits:
        """Two samples per prompt at once, then DPO's step (reference scored as it comes)."""
        dpo, dpo_config = required_registry(registry).required_algorithm(config.dpo, DPO)
        step = step_memory(dpo.traits, dpo_config, train, hidden_size, registry)
        rows = 2 * train.batch_size
        return MemoryTraits(
            train_rows=step.train_rows,
            no_grad_rows=max(step.no_grad_rows, rows),
            rollout_rows=rows,
            rollout_new_tokens=config.rollout.max_new_tokens,
        )
