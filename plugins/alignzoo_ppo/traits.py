"""What the planner and the runner know of PPO before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_ppo.config import PPOConfig


class PPOTraits(AlgorithmTraits):
    """PPOAlgorithm's class-level facts."""

    consumes = "prompts"

    @classmethod
    def memory_traits(cls, config: PPOConfig, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """Rollout of the whole batch (KV cache), its no-grad scoring, mini-batch updates."""
        minibatch = max(1, train.batch_size // config.num_minibatches)
        return MemoryTraits(
            train_rows=min(train.micro_batch_size or minibatch, minibatch),
            no_grad_rows=train.batch_size,
            no_grad_keeps_hidden_states=True,
            rollout_rows=train.batch_size,
            rollout_new_tokens=config.rollout.max_new_tokens,
            extra_trainable=hidden_size + 1,
        )
