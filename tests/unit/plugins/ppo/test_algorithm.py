"""PPO's step end to end on a tiny model: its metrics are pinned to the figures the
pre-rollout-engine implementation (commit 4137593's algorithm) gave for the same seed, so
moving PPO onto the shared rollout engine is shown to change nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch
from accelerate import Accelerator

from alignzoo.algorithms import AlgorithmContext
from alignzoo.config.schema import SamplingConfig
from alignzoo.data.records import PromptRecord
from alignzoo.models.reference import ReferenceModel
from alignzoo.rewards import RewardSource
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo_ppo.algorithm import PPOAlgorithm
from alignzoo_ppo.config import PPOConfig

PROMPTS = [
    "yesterday i watched the movie and",
    "last week we stayed at the hotel ,",
    "recently i read the book :",
    "on friday i ate at the restaurant and",
]


class WordCount(RewardSource):
    """Words in the completion, a deterministic reward that varies across samples."""

    name = "words"

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        return torch.tensor([float(len(c.split())) for c in completions])


def _two_steps(tok, tiny_llama, config: PPOConfig, micro_batch_size: int | None = None):
    policy = tiny_llama(seed=0).train()
    context = AlgorithmContext(
        policy=policy,
        reference=ReferenceModel.frozen_copy_of(policy),
        tokenizer=tok,
        device=torch.device("cpu"),
        max_length=32,
        reward=WordCount(),
    )
    algorithm = PPOAlgorithm(config, context)
    parameters = list(algorithm.trainable_parameters())
    optimizer = torch.optim.AdamW(parameters, lr=1e-2)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    updater = OptimizerUpdater(
        Accelerator(cpu=True), optimizer, scheduler, parameters, 1.0, micro_batch_size
    )
    batch = [PromptRecord(p) for p in PROMPTS * 2]
    torch.manual_seed(1)
    return [algorithm.train_step(batch, updater) for _ in range(2)]


CONFIG = PPOConfig(rollout=SamplingConfig(max_new_tokens=6), missing_eos_penalty=0.5)
#: step 2 of ``_two_steps(CONFIG)`` as the implementation before the rollout engine gave it
#: (commit 4137593, before plugin API 1.1, gave the same figures)
PINNED = {
    "loss": 0.8393467515707016,
    "objective/scores": 5.875,
    "objective/kl": 0.16045892238616943,
    "objective/rlhf_reward": 5.366977214813232,
    "value/explained_variance": 0.02232581377029419,
    "policy/clipfrac": 0.3125,
    "policy/approxkl": 0.028887441265396774,
}


def test_metrics_match_the_implementation_before_the_rollout_engine(tok, tiny_llama) -> None:
    # rel 1e-3: float32 sums are ordered differently by each CPU's kernels (AVX512 against
    # AVX2); explained variance, a ratio of two variances, moved by 1.3e-4 between CPUs. A
    # change of definition moves these figures by percents, far past this tolerance.
    step = _two_steps(tok, tiny_llama, CONFIG)[-1]
    for key, value in PINNED.items():
        assert step[key] == pytest.approx(value, rel=1e-3, abs=1e-6), key
