"""GRPO: sample a group per prompt, score it, push each completion by how it beat its group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from alignzoo.algorithms import (
    Algorithm,
    LossAndMetrics,
    Metrics,
    Updater,
)
from alignzoo.algorithms.batching import StepTokens, mean_over_updates
from alignzoo.algorithms.kl import kl_k3, kl_metrics
from alignzoo.algorithms.masked import masked_mean
from alignzoo.algorithms.policy_gradient import clipped_surrogate
from alignzoo.algorithms.rows import SHARED, RowSliced
from alignzoo.data.records import PromptRecord
from alignzoo.models.logprobs import token_logprobs
from alignzoo.rollout import Rollout, collect_rollout
from alignzoo.rollout.importance import corrected
from alignzoo_grpo.advantages import (
    group_advantages,
    informative_groups,
    per_source_advantages,
)
from alignzoo_grpo.config import GRPOTraits, LossType, RewardAggregation
from alignzoo_grpo.loss import aggregate, cispo_token_losses, log_importance


@dataclass
class GRPOBatch(RowSliced):
    """A rollout with its advantages and learning mask, and the step's size for normalising."""

    rollout: Rollout
    #: one per completion; [N]
    advantages: torch.Tensor
    #: the rollout's mask, less what learns nothing (truncated completions, if asked); [N, T-1]
    mask: torch.Tensor
    #: tokens and rows of the whole step (dapo, bnpo and cispo normalise by them)
    step: StepTokens = field(metadata=SHARED)


class GRPOAlgorithm(GRPOTraits, Algorithm[PromptRecord]):
    """Group Relative Policy Optimization (Shao et al. 2024) without a value model.

    Supports: G completions per prompt; rewards scaled by the group's std, the batch's or not
    at all (Dr. GRPO); loss aggregation grpo, dapo, bnpo, dr_grpo and cispo; token- or
    sequence-level (GSPO) importance ratios; DAPO's asymmetric clip, masking of truncated
    completions and dropping of groups that all scored alike; several optimizer steps per
    rollout; an optional k3 KL term (``beta`` 0, the default, holds no reference at all);
    several weighted reward sources summed then normalised, or normalised each then summed.
    """

    def updates_per_step(self) -> int:
        """One optimizer step per iteration over the rollout."""
        return self.config.num_iterations

    def train_step(self, batch: Sequence[PromptRecord], updater: Updater) -> Metrics:
        """Roll out G completions per prompt, then ``num_iterations`` updates on them."""
        cfg = self.config
        # --- rollout: G completions per prompt, scored; pi_old and pi_ref only when read ---
        rollout = collect_rollout(
            self.ctx,
            batch,  # records: each sample carries its row's fields to the reward
            cfg.rollout,
            samples_per_prompt=cfg.num_generations,
            policy_logprobs=cfg.num_iterations > 1,
            reference_logprobs=cfg.beta != 0,
        )

        # --- advantages: each completion against its own group ---
        if cfg.reward_aggregation is RewardAggregation.normalize_then_sum:
            advantages = per_source_advantages(rollout.source_scores, cfg.num_generations)
        else:
            advantages = group_advantages(rollout.scores, cfg.num_generations, cfg.scale_rewards)

        # --- what learns: truncated completions and uniform groups may be left out ---
        mask = rollout.mask
        if cfg.mask_truncated_completions:
            mask = mask * rollout.ended.unsqueeze(-1).float()
        data = GRPOBatch(rollout, advantages, mask, StepTokens.of(mask))
        informative = informative_groups(rollout.scores, cfg.num_generations)
        if cfg.drop_equal_reward_groups and informative.any():
            kept = informative.nonzero().squeeze(-1)
            data = data[kept]
            data.step = StepTokens.of(data.mask)

        # --- the updates: one optimizer step per iteration over the rollout ---
        updates = [updater.update(data, self.loss_on) for _ in range(cfg.num_iterations)]

        grouped = rollout.scores.view(-1, cfg.num_generations)
        return (
            mean_over_updates(updates)
            | {
                "objective/scores": rollout.scores.mean().item(),
                "objective/group_std": grouped.std(dim=1).mean().item(),
                "grpo/uniform_groups": 1.0 - informative.float().mean().item(),
                "grpo/truncated": 1.0 - rollout.ended.float().mean().item(),
                "grpo/completion_tokens": rollout.mask.sum(-1).mean().item(),
            }
            | rollout.reward_metrics
        )

    def loss_on(self, part: GRPOBatch) -> LossAndMetrics:
        """The GRPO objective on ``part`` of a rollout, aggregated as ``loss_type`` says."""
        cfg, mask = self.config, part.mask
        logprobs = token_logprobs(self.ctx.policy, part.rollout.rows, cfg.rollout.temperature)
        old = part.rollout.policy_logprobs
        old = logprobs.detach() if old is None else old  # one iteration: pi_old is pi, now
        log_ratio = log_importance(logprobs, old, mask, cfg.importance_sampling_level)
        if cfg.loss_type is LossType.cispo:
            token = cispo_token_losses(log_ratio, logprobs, part.advantages, cfg.cispo_max_weight)
        else:
            token = clipped_surrogate(
                log_ratio, part.advantages.unsqueeze(-1), cfg.epsilon_low, cfg.epsilon_high
            )
        # the engine's samples, corrected to the trainer's probabilities (rollout.engine=vllm)
        losses = corrected(token.losses, part.rollout.importance_weights)
        metrics: dict[str, float | torch.Tensor] = {
            "policy/clipfrac": masked_mean(token.clipped.float(), mask)
        }
        if cfg.beta != 0:
            reference = part.rollout.reference_logprobs
            assert reference is not None  # the runner loads one when beta > 0
            kl = kl_k3(logprobs, reference)
            losses = losses + cfg.beta * kl
            metrics |= kl_metrics(kl.detach(), mask)
        loss = aggregate(
            losses,
            mask,
            cfg.loss_type,
            cfg.rollout.max_new_tokens,
            part.step,
        )
        return loss, metrics
