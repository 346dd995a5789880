"""Rejection-sampling fine-tuning: each step, the best of n samples of each prompt become the
targets of a supervised step (RAFT, Dong et al. 2023; the "best-of-n distillation" of
Llama 2's RLHF)."""

from __future__ import annotations

from collections.abc import Sequence

from alignzoo.algorithms import (
    Algorithm,
    LossAndMetrics,
    Metrics,
    Updater,
)
from alignzoo.data.records import PromptRecord
from alignzoo.models.logprobs import token_logprobs
from alignzoo.rollout import Rollout, collect_rollout
from alignzoo.rollout.selection import best_of_groups
from alignzoo_rejection_sampling.config import RejectionSamplingTraits


class RejectionSamplingAlgorithm(RejectionSamplingTraits, Algorithm[PromptRecord]):
    """RAFT (Dong et al. 2023): sample n completions per prompt from the current policy, keep
    the best under the training reward, and take one maximum-likelihood step on them:
    L = -mean_i (1/|y_i|) sum_t log pi(y_i,t | x_i, y_i,<t). No reference in the loss.
    """

    def train_step(self, batch: Sequence[PromptRecord], updater: Updater) -> Metrics:
        """Sample n per prompt, keep each prompt's best, one supervised step on the kept."""
        n = self.config.n
        rollout = collect_rollout(
            self.ctx,
            batch,  # records: each sample carries its row's fields to the reward
            self.config.rollout,
            samples_per_prompt=n,
            policy_logprobs=False,
            reference_logprobs=False,
        )
        best = best_of_groups(rollout.scores, n)
        if self.config.min_score is not None:  # only bests good enough to learn from
            best = best[rollout.scores[best] >= self.config.min_score]
        sampled = {
            "objective/scores": rollout.scores.mean().item(),
            "rejection_sampling/kept": len(best) / len(batch),
        } | rollout.reward_metrics
        if len(best) == 0:  # no prompt's best was good enough: nothing to learn this step
            return sampled
        kept = rollout[best]
        return (
            updater.update(kept, self.loss_on)
            | {
                "objective/best_scores": kept.scores.mean().item(),
                "rejection_sampling/completion_tokens": kept.mask.sum(-1).mean().item(),
            }
            | sampled
        )

    def loss_on(self, kept: Rollout) -> LossAndMetrics:
        """Negative log-likelihood of the kept completions, a token mean per completion."""
        logprobs = token_logprobs(self.ctx.policy, kept.rows, self.config.rollout.temperature)
        per_completion = (logprobs * kept.mask).sum(-1) / kept.mask.sum(-1).clamp(min=1)
        return -per_completion.mean(), {}
