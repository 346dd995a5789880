"""REINFORCE++: PPO's per-token KL reward and clipped update, with batch-normalised returns
for advantages instead of a value model."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from alignzoo.algorithms import (
    Algorithm,
    AlgorithmContext,
    LossAndMetrics,
    Metrics,
    Updater,
)
from alignzoo.algorithms.batching import StepTokens, mean_over_updates, shuffled_minibatches
from alignzoo.algorithms.kl import KL_ESTIMATORS, clamp_kl, kl_metrics, kl_penalised_rewards
from alignzoo.algorithms.masked import masked_mean
from alignzoo.algorithms.policy_gradient import clipped_surrogate
from alignzoo.algorithms.rows import SHARED, RowSliced
from alignzoo.data.records import PromptRecord
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import token_logprobs
from alignzoo.rollout import Rollout, collect_rollout
from alignzoo.rollout.importance import corrected
from alignzoo_reinforce_pp.advantages import global_normalized_advantages
from alignzoo_reinforce_pp.config import Baseline, ReinforcePPConfig, ReinforcePPTraits


@dataclass
class OldPolicyRollout(RowSliced):
    """A rollout, its advantages per token, and the sampling policy's log-probs (pi_old);
    ``step`` is the optimizer step (a mini-batch) its rows belong to, once ``as_step`` says."""

    rollout: Rollout
    advantages: torch.Tensor
    step: StepTokens | None = field(default=None, metadata=SHARED)

    @property
    def old_logprobs(self) -> torch.Tensor:
        """pi_old's log-probs of the sampled tokens, as the rollout recorded them."""
        assert self.rollout.policy_logprobs is not None
        return self.rollout.policy_logprobs

    def as_step(self) -> OldPolicyRollout:
        """These rows as one optimizer step: the loss is a token mean over all of them."""
        return dataclasses.replace(self, step=StepTokens.of(self.rollout.mask))


class ReinforcePPAlgorithm(ReinforcePPTraits, Algorithm[PromptRecord]):
    """REINFORCE++ (Hu et al. 2025), and REINFORCE++-baseline with ``baseline=group``.

    Per token the reward is -beta KL_t, plus the completion's score at its last token; the
    advantage is the return G_t normalised by the mean and std over every token of the batch
    (global, not per prompt); the loss is PPO's clipped surrogate on pi/pi_old. No critic.
    Raises ``ConfigError`` for an impossible mini-batch split.
    """

    def __init__(self, config: ReinforcePPConfig, context: AlgorithmContext) -> None:
        super().__init__(config, context)
        if config.baseline is Baseline.group and config.samples_per_prompt < 2:
            raise ConfigError(
                "algorithm.baseline=group averages a prompt's samples: set "
                "algorithm.samples_per_prompt >= 2"
            )
        self.kl_estimator = KL_ESTIMATORS[config.kl_estimator]

    def updates_per_step(self) -> int:
        """One optimizer step per mini-batch per epoch."""
        return self.config.epochs * self.config.num_minibatches

    def train_step(self, batch: Sequence[PromptRecord], updater: Updater) -> Metrics:
        """Roll out, shape the rewards with the KL per token, normalise the returns over the
        batch, then clipped updates over mini-batches."""
        cfg = self.config
        rows = len(batch) * cfg.samples_per_prompt
        if rows % cfg.num_minibatches:
            raise ConfigError(
                f"{rows} completions a step (train.batch_size x algorithm.samples_per_prompt) "
                f"do not split into algorithm.num_minibatches={cfg.num_minibatches}"
            )
        # --- rollout: pi_old's log-probs always (the ratio), the reference's for the KL ---
        rollout = collect_rollout(
            self.ctx,
            batch,  # records: each sample carries its row's fields to the reward
            cfg.rollout,
            samples_per_prompt=cfg.samples_per_prompt,
            reference_logprobs=cfg.kl_coef != 0,
        )
        old, mask = rollout.policy_logprobs, rollout.mask
        assert old is not None

        # --- per-token rewards: -beta KL_t, and the (baselined) score at the last token ---
        scores = rollout.scores
        if cfg.baseline is Baseline.group:
            grouped = scores.view(-1, cfg.samples_per_prompt)
            scores = (grouped - grouped.mean(dim=1, keepdim=True)).view(-1)
        kl = torch.zeros_like(old)
        if rollout.reference_logprobs is not None:
            kl = clamp_kl(self.kl_estimator(old, rollout.reference_logprobs), cfg.kl_clamp) * mask
        rewards = kl_penalised_rewards(scores, kl, mask, cfg.kl_coef)

        # --- advantages: returns normalised over every token of the batch ---
        advantages = global_normalized_advantages(rewards, mask, cfg.gamma)

        # --- clipped updates over shuffled mini-batches ---
        data = OldPolicyRollout(rollout, advantages)
        updates = [
            updater.update(minibatch.as_step(), self.loss_on)
            for minibatch in shuffled_minibatches(
                data, cfg.num_minibatches, cfg.epochs, self.ctx.device
            )
        ]

        sequence_kl = kl.sum(-1)
        return (
            mean_over_updates(updates)
            | {
                "objective/scores": rollout.scores.mean().item(),
                "objective/rlhf_reward": (rollout.scores - cfg.kl_coef * sequence_kl).mean().item(),
                "reinforce_pp/completion_tokens": mask.sum(-1).mean().item(),
            }
            | kl_metrics(kl, mask)
            | rollout.reward_metrics
        )

    def loss_on(self, part: OldPolicyRollout) -> LossAndMetrics:
        """PPO's clipped surrogate, a token mean over the whole mini-batch ``part`` belongs
        to (OpenRLHF's), so the step's gradient does not depend on the micro-batch size."""
        mask = part.rollout.mask
        assert part.step is not None  # train_step marks each mini-batch as_step()
        logprobs = token_logprobs(
            self.ctx.policy, part.rollout.rows, self.config.rollout.temperature
        )
        surrogate = clipped_surrogate(
            logprobs - part.old_logprobs, part.advantages, self.config.cliprange
        )
        losses = corrected(surrogate.losses, part.rollout.importance_weights)
        return part.step.token_mean(losses, mask), {
            "policy/clipfrac": masked_mean(surrogate.clipped.float(), mask)
        }
