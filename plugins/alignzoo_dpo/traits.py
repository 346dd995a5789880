"""What the planner and the runner know of DPO before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_dpo.config import DPOConfig

#: pairs scored at once when precomputing reference log-probs (fewer with a smaller
#: train.micro_batch_size: the vocabulary-wide logits of large models need the room). Small
#: on purpose: on 2 CPU cores, scoring the built-in 2,000 pairs with a 20M model in chunks of
#: 64 raised the process's peak RSS by 367 MB (chunks of varying width fragment the heap) and
#: took 43 s; in chunks of 16, by 157 MB in 36 s.
REFERENCE_BATCH = 16


class DPOTraits(AlgorithmTraits):
    """DPOAlgorithm's class-level facts."""

    consumes = "pairs"

    @classmethod
    def memory_traits(cls, config: DPOConfig, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """Chosen and rejected rows of a micro-batch; reference scoring in chunks, no gradients."""
        rows = 2 * (train.micro_batch_size or train.batch_size)
        chunk = min(REFERENCE_BATCH, train.micro_batch_size or REFERENCE_BATCH)
        reference_rows = 2 * chunk if config.precompute_reference else rows
        return MemoryTraits(train_rows=rows, no_grad_rows=reference_rows)

    @classmethod
    def needs_reference_for(cls, config: DPOConfig) -> bool:
        """Only to score pairs as they come: precomputed, the reference's log-probs are read
        from the policy itself before its first update (as TRL does), so full fine-tuning
        holds no frozen copy (evaluation loads one for its KL)."""
        return not config.precompute_reference
