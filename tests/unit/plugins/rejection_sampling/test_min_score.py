"""Rejection sampling keeps a prompt's best sample only when it scores ``min_score``: with a
verifiable reward, wrong answers are never the fine-tuning target."""

from __future__ import annotations

import torch

from alignzoo.algorithms import AlgorithmContext
from alignzoo.config.schema import SamplingConfig
from alignzoo.data.records import PromptRecord
from alignzoo.rewards import RewardSource
from alignzoo_rejection_sampling.algorithm import RejectionSamplingAlgorithm
from alignzoo_rejection_sampling.config import RejectionSamplingConfig


class RightForTheFirstPrompt(RewardSource):
    """1 for every sample of the row whose ``answer`` is "yes", 0 for the others."""

    def score(self, prompts, completions, fields=None) -> torch.Tensor:
        return torch.tensor([float(row["answer"] == "yes") for row in fields or []])


class CountingUpdater:
    def __init__(self) -> None:
        self.rows: list[int] = []

    def update(self, batch, loss_fn):
        self.rows.append(len(batch))
        return {"loss": float(loss_fn(batch)[0])}


def _step(tok, tiny_llama, min_score, answers) -> tuple[dict, list[int]]:
    context = AlgorithmContext(
        policy=tiny_llama(seed=1),
        reference=None,
        tokenizer=tok,
        device=torch.device("cpu"),
        max_length=32,
        reward=RightForTheFirstPrompt(),
    )
    config = RejectionSamplingConfig(
        rollout=SamplingConfig(max_new_tokens=4), n=3, min_score=min_score
    )
    algorithm = RejectionSamplingAlgorithm(config, context)
    batch = [
        PromptRecord(f"yesterday i read the book {i}", {"answer": a}) for i, a in enumerate(answers)
    ]
    updater = CountingUpdater()
    torch.manual_seed(0)
    return algorithm.train_step(batch, updater), updater.rows


def test_only_bests_that_reach_min_score_are_trained_on(tok, tiny_llama) -> None:
    metrics, rows = _step(tok, tiny_llama, 1.0, ["yes", "no", "no"])
    assert rows == [1] and metrics["rejection_sampling/kept"] == 1 / 3
    metrics, rows = _step(tok, tiny_llama, 1.0, ["no", "no"])
    assert rows == [] and metrics["rejection_sampling/kept"] == 0.0 and "loss" not in metrics
    metrics, rows = _step(tok, tiny_llama, None, ["no", "no"])  # RAFT's default: every best
    assert rows == [2]
