"""Reward-model training: a Bradley-Terry fit to preference pairs, read top to bottom."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import torch

from alignzoo.algorithms import Algorithm, Metrics, Record, Updater
from alignzoo.algorithms.batching import micro_batches
from alignzoo.models.tokenize import tokenize_completions
from alignzoo.rewards import RewardSource
from alignzoo_reward_model.loss import bradley_terry_loss
from alignzoo_reward_model.scoring import STATS_FILE, reward_logits, score_completions

#: training pairs kept to measure the trained model's reward statistics
STATS_SAMPLE = 512


class RewardModelAlgorithm(Algorithm):
    """Trains a one-output sequence classifier so that r(chosen) > r(rejected).

    The runner loads the base checkpoint as a sequence classifier (trunk reused, new scalar
    head) and saves it as ``reward_model/``, which ``reward=learned reward.path=...`` loads.
    Evaluation is held-out pair accuracy against the gold order (or the labels).
    """

    consumes = "pairs"
    model_kind = "reward_model"

    def prepare(self, train_records: Sequence[Record]) -> None:
        """Keep a fixed sample of training pairs for the saved reward statistics."""
        records = list(train_records)
        self._stats_pairs = random.Random(0).sample(records, min(STATS_SAMPLE, len(records)))

    def save_extras(self, directory: Path) -> None:
        """Write the trained model's mean and std reward over training completions."""
        pairs = getattr(self, "_stats_pairs", [])
        if not pairs:
            return
        prompts = [p.prompt for p in pairs] * 2
        rewards = _InTraining(self).score(
            prompts, [p.chosen for p in pairs] + [p.rejected for p in pairs]
        )
        stats = {"mean": rewards.mean().item(), "std": rewards.std().item(), "count": len(rewards)}
        (directory / STATS_FILE).write_text(json.dumps(stats))

    def train_step(self, batch: Sequence[Record], updater: Updater) -> Metrics:
        """One optimizer step on ``batch``, accumulated over micro-batches."""
        totals: dict[str, float] = {}
        tokens_seen = 0
        for micro in micro_batches(batch, self.ctx.micro_batch_size):
            weight = len(micro) / len(batch)
            # --- rewards of chosen and rejected, in one forward of 2B rows ---
            prompts = [pair.prompt for pair in micro] * 2
            completions = [pair.chosen for pair in micro] + [pair.rejected for pair in micro]
            tokens = tokenize_completions(
                self.ctx.tokenizer, prompts, completions, self.ctx.max_length
            ).to(self.ctx.device)
            tokens_seen += int(tokens.attention_mask.sum())
            rewards = reward_logits(self.ctx.policy, tokens).float()
            chosen, rejected = rewards[: len(micro)], rewards[len(micro) :]
            # --- the Bradley-Terry loss and its gradient ---
            loss = bradley_terry_loss(chosen, rejected, self.config.margin).mean()
            updater.backward(loss * weight)
            # --- metrics, averaged over the micro-batches by size ---
            margins = (chosen - rejected).detach()
            for key, value in {
                "loss": loss.item(),
                "rewards/chosen": chosen.detach().mean().item(),
                "rewards/rejected": rejected.detach().mean().item(),
                "rewards/margins": margins.mean().item(),
                "rewards/accuracy": (margins > 0).float().mean().item(),
            }.items():
                totals[key] = totals.get(key, 0.0) + value * weight
        # --- optimizer step ---
        return totals | {"perf/tokens": float(tokens_seen)} | updater.step()

    def evaluate(self, evaluator: Any) -> Metrics:
        """Held-out pair accuracy of the reward model."""
        return evaluator.score_pairs(_InTraining(self))


class _InTraining(RewardSource):
    """The model being trained, seen as a reward source for evaluation."""

    name = "reward_model"

    def __init__(self, algorithm: RewardModelAlgorithm) -> None:
        self.algorithm = algorithm

    @torch.no_grad()
    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """Rewards of the rows, in batches, with the model in eval mode."""
        ctx = self.algorithm.ctx
        model = getattr(ctx.policy, "module", ctx.policy)
        was_training = model.training
        model.eval()
        try:
            return score_completions(
                partial(reward_logits, model),
                ctx.tokenizer,
                prompts,
                completions,
                ctx.max_length,
                128,
                ctx.device,
            )
        finally:
            model.train(was_training)
