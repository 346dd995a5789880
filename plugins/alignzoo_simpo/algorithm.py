"""SimPO: preference pairs, no reference model, length-normalised rewards with a margin."""

from __future__ import annotations

from collections.abc import Sequence

from alignzoo.algorithms import (
    Algorithm,
    AlgorithmContext,
    LossAndMetrics,
    Metrics,
    Updater,
)
from alignzoo.algorithms.sft_term import SFTNormalization, sft_nll
from alignzoo.data.records import PreferencePair
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.pairs import StepPairs, mean_chosen_tokens, pair_logprobs
from alignzoo_simpo.config import SimPOConfig, SimPOTraits
from alignzoo_simpo.loss import simpo_loss


class SimPOAlgorithm(SimPOTraits, Algorithm[PreferencePair]):
    """SimPO (Meng et al. 2024): -log sigmoid(beta/|y_c| log pi(y_c) - beta/|y_r| log pi(y_r)
    - gamma), with an optional SFT term on the chosen completion (CPO-SimPO). Under full
    fine-tuning no reference copy is loaded: training holds one model.
    Raises ``ConfigError`` for beta <= 0.
    """

    def __init__(self, config: SimPOConfig, context: AlgorithmContext) -> None:
        super().__init__(config, context)
        if not config.beta > 0:
            raise ConfigError(f"algorithm.beta must be > 0, got {config.beta}")

    def train_step(self, batch: Sequence[PreferencePair], updater: Updater) -> Metrics:
        """One optimizer step on ``batch`` (the updater accumulates over micro-batches)."""
        cfg, ctx = self.config, self.ctx
        step = StepPairs(batch)
        if cfg.sft_weight and cfg.sft_normalization is SFTNormalization.token:
            step = StepPairs(batch, mean_chosen_tokens(ctx.tokenizer, batch, ctx.max_length))
        return updater.update(step, self.loss_on)

    def loss_on(self, step: StepPairs) -> LossAndMetrics:
        """The mean SimPO loss over ``step``'s pairs (plus the SFT term, if weighted)."""
        cfg, ctx, pairs = self.config, self.ctx, step.pairs
        # --- average token log-probs of chosen and rejected, in one forward of 2B rows ---
        scored = pair_logprobs(
            lambda rows: sequence_logprobs(ctx.policy, rows),
            ctx.tokenizer,
            pairs,
            ctx.max_length,
            ctx.device,
        )
        chosen, rejected = scored.chosen_mean, scored.rejected_mean
        # --- the loss ---
        loss = simpo_loss(chosen, rejected, cfg.beta, cfg.gamma).mean()
        if cfg.sft_weight:
            nll = sft_nll(
                scored.chosen, scored.chosen_tokens, cfg.sft_normalization, step.chosen_tokens
            )
            loss = loss + cfg.sft_weight * nll.mean()
        margins = (cfg.beta * (chosen - rejected)).detach()
        return loss, {
            "rewards/chosen": cfg.beta * chosen.detach().mean(),
            "rewards/rejected": cfg.beta * rejected.detach().mean(),
            "rewards/margins": margins.mean(),
            "rewards/accuracy": (margins > 0).float().mean(),
            "logps/chosen": scored.chosen.detach().mean(),
            "logps/rejected": scored.rejected.detach().mean(),
        }
