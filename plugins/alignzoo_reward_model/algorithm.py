"""Reward-model training: a Bradley-Terry fit to preference pairs, read top to bottom."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import torch

from alignzoo.algorithms import Algorithm, Evaluator, LossAndMetrics, Metrics, Updater
from alignzoo.data.records import PreferencePair
from alignzoo.models.tokenize import tokenize_completions
from alignzoo.rewards import RewardSource
from alignzoo_reward_model.config import RewardModelTraits
from alignzoo_reward_model.loss import bradley_terry_loss, centering_penalty
from alignzoo_reward_model.scoring import STATS_FILE, reward_logits, score_completions

#: training pairs kept to measure the trained model's reward statistics
STATS_SAMPLE = 512


class RewardModelAlgorithm(RewardModelTraits, Algorithm[PreferencePair]):
    """Trains a one-output sequence classifier so that r(chosen) > r(rejected).

    The runner loads the base checkpoint as a sequence classifier (trunk reused, new scalar
    head) and saves it as ``reward_model/``, which ``reward=learned reward.path=...`` loads.
    Evaluation is held-out pair accuracy against the gold order (or the labels).
    """

    def prepare(self, train_records: Sequence[PreferencePair]) -> None:
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

    def train_step(self, batch: Sequence[PreferencePair], updater: Updater) -> Metrics:
        """One optimizer step on ``batch`` (the updater accumulates over micro-batches)."""
        return updater.update(batch, self.loss_on)

    def loss_on(self, pairs: Sequence[PreferencePair]) -> LossAndMetrics:
        """The mean Bradley-Terry loss over ``pairs``, and its metrics."""
        # --- rewards of chosen and rejected, in one forward of 2B rows ---
        prompts = [pair.prompt for pair in pairs] * 2
        completions = [pair.chosen for pair in pairs] + [pair.rejected for pair in pairs]
        tokens = tokenize_completions(
            self.ctx.tokenizer, prompts, completions, self.ctx.max_length
        ).to(self.ctx.device)
        rewards = reward_logits(self.ctx.policy, tokens).float()
        chosen, rejected = rewards[: len(pairs)], rewards[len(pairs) :]
        # --- the Bradley-Terry loss, with each pair's own margin where the data gives one ---
        cfg = self.config
        wanted = torch.tensor(
            [cfg.margin if pair.margin is None else pair.margin for pair in pairs],
            device=chosen.device,
        )
        losses = bradley_terry_loss(chosen, rejected, wanted)
        metrics = {}
        if cfg.center_rewards_coefficient:  # pull the mean reward to zero
            penalty = centering_penalty(chosen, rejected)
            losses = losses + cfg.center_rewards_coefficient * penalty
            metrics["rewards/centering"] = penalty.detach().mean()
        loss = losses.mean()
        margins = (chosen - rejected).detach()
        return loss, metrics | {
            "rewards/chosen": chosen.detach().mean(),
            "rewards/rejected": rejected.detach().mean(),
            "rewards/margins": margins.mean(),
            "rewards/accuracy": (margins > 0).float().mean(),
        }

    def evaluate(self, evaluator: Evaluator) -> Metrics:
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
        model = ctx.bare_policy
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
