"""RLOO: REINFORCE on whole completions, each baselined by its prompt's other samples."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from alignzoo.algorithms import (
    Algorithm,
    LossAndMetrics,
    Metrics,
    Updater,
)
from alignzoo.algorithms.kl import kl_k1, kl_metrics
from alignzoo.data.records import PromptRecord
from alignzoo.models.logprobs import token_logprobs
from alignzoo.rollout import ScoredRollout, collect_rollout
from alignzoo.rollout.importance import corrected
from alignzoo_rloo.advantages import leave_one_out_advantages
from alignzoo_rloo.config import RLOOTraits


class RLOOAlgorithm(RLOOTraits, Algorithm[PromptRecord]):
    """REINFORCE Leave-One-Out (Ahmadian et al. 2024): each completion is one action.

    Per prompt, k samples; each one's reward is its score less beta times its sequence KL to
    the reference, R_i = r_i - beta sum_t (log pi - log pi_ref); its advantage is R_i less the
    mean R of the other k - 1, and the loss is REINFORCE's, L = -mean_i A_i log pi(y_i | x).
    No value model, no clipping: one optimizer step per rollout, as in the paper.
    """

    def train_step(self, batch: Sequence[PromptRecord], updater: Updater) -> Metrics:
        """Sample k completions per prompt, fold the KL into their rewards, one REINFORCE step."""
        cfg, k = self.config, self.config.num_generations
        penalised = cfg.beta != 0
        # --- rollout: k completions per prompt, scored; log-probs only for the KL ---
        rollout = collect_rollout(
            self.ctx,
            batch,  # records: each sample carries its row's fields to the reward
            cfg.rollout,
            samples_per_prompt=k,
            policy_logprobs=penalised,
            reference_logprobs=penalised,
        )

        # --- sequence rewards: the score less beta times the completion's KL ---
        token_kl = torch.zeros_like(rollout.mask)
        if penalised:
            assert rollout.policy_logprobs is not None and rollout.reference_logprobs is not None
            token_kl = kl_k1(rollout.policy_logprobs, rollout.reference_logprobs) * rollout.mask
        kl = token_kl.sum(-1)
        rewards = rollout.scores - cfg.beta * kl

        # --- advantages: each against the mean of its prompt's other samples ---
        advantages = leave_one_out_advantages(rewards, k)
        if cfg.normalize_advantages:
            advantages = advantages / (advantages.std() + 1e-8)

        metrics = updater.update(ScoredRollout(rollout, advantages), self.loss_on)
        return (
            metrics
            | {
                "objective/scores": rollout.scores.mean().item(),
                "objective/rlhf_reward": rewards.mean().item(),
                "rloo/completion_tokens": rollout.mask.sum(-1).mean().item(),
            }
            | kl_metrics(token_kl, rollout.mask)
            | rollout.reward_metrics
        )

    def loss_on(self, part: ScoredRollout) -> LossAndMetrics:
        """L = -mean_i A_i log pi(y_i | x), log pi(y | x) summed over the completion's tokens."""
        rollout = part.rollout
        logprobs = token_logprobs(self.ctx.policy, rollout.rows, self.config.rollout.temperature)
        token_terms = corrected(logprobs * rollout.mask, rollout.importance_weights)
        sequence_logprobs = token_terms.sum(-1)
        loss = -(part.advantages * sequence_logprobs).mean()
        return loss, {"policy/sequence_logprob": sequence_logprobs.detach().mean()}
