"""The typed config of ``algorithm=rloo``: every field is an override (``algorithm.beta=0.1``).

With ``RLOOTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits, sampled_batch_memory
from alignzoo.config.ranges import NON_NEGATIVE, FieldRanges, at_least, check_config_ranges
from alignzoo.config.schema import SamplingConfig, TrainConfig


@dataclass
class RLOOConfig:
    """REINFORCE Leave-One-Out (Ahmadian et al. 2024, "Back to Basics").

    ``train.batch_size`` counts prompts; each step samples ``num_generations`` of each.
    """

    rollout: SamplingConfig = field(default_factory=SamplingConfig)
    #: k, completions sampled per prompt; each one's baseline is the mean reward of the others
    num_generations: int = 4
    #: the KL penalty folded into each completion's reward, R = r - beta KL(pi || pi_ref);
    #: 0 holds no reference at all
    beta: float = 0.05
    #: divide the advantages by their standard deviation over the batch
    normalize_advantages: bool = False

    field_ranges: ClassVar[FieldRanges] = {
        "num_generations": at_least(2),  # one sample has no others to baseline it
        "beta": NON_NEGATIVE,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


class RLOOTraits(AlgorithmTraits):
    """RLOOAlgorithm's class-level facts."""

    consumes = "prompts"

    @classmethod
    def needs_reference_for(cls, config: RLOOConfig) -> bool:
        """Only the KL penalty (``beta`` > 0) reads the reference."""
        return config.beta != 0

    @classmethod
    def memory_traits(
        cls, config: RLOOConfig, train: TrainConfig, hidden_size: int
    ) -> MemoryTraits:
        """k completions of every prompt sampled at once, scored without gradients (policy and
        reference, for the KL), updated in micro-batches of completions."""
        return sampled_batch_memory(
            train.batch_size * config.num_generations,
            train,
            config.rollout.max_new_tokens,
            scored_without_grad=bool(config.beta),
        )
