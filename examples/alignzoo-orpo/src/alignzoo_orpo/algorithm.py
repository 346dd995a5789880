"""ORPO's training step, read top to bottom."""

from __future__ import annotations

from collections.abc import Sequence

from alignzoo.algorithms import Algorithm, LossAndMetrics, Metrics, Record, Updater
from alignzoo.data.records import PreferencePair
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.tokenize import tokenize_completions
from alignzoo_orpo.loss import orpo_loss


class ORPOAlgorithm(Algorithm):
    """Raises the chosen responses' likelihood and their odds against the rejected ones.

    Consumes preference pairs and needs no reference model: with full fine-tuning the runner
    loads none (evaluation then reports no KL); under LoRA the reference is free and kept.
    """

    consumes = "pairs"
    needs_reference = False

    def train_step(self, batch: Sequence[Record], updater: Updater) -> Metrics:
        """One optimizer step on ``batch`` (the updater accumulates over micro-batches)."""
        return updater.update(batch, self.loss_on)

    def loss_on(self, pairs: Sequence[PreferencePair]) -> LossAndMetrics:
        """The mean ORPO loss over ``pairs``, and its parts."""
        # --- mean token log-probs of chosen and rejected, in one forward ---
        prompts = [pair.prompt for pair in pairs]
        tokens = tokenize_completions(
            self.ctx.tokenizer,
            prompts + prompts,
            [pair.chosen for pair in pairs] + [pair.rejected for pair in pairs],
            self.ctx.max_length,
        ).to(self.ctx.device)
        lengths = tokens.completion_mask[:, 1:].sum(-1).clamp(min=1)
        mean_logps = sequence_logprobs(self.ctx.policy, tokens) / lengths
        chosen, rejected = mean_logps[: len(pairs)], mean_logps[len(pairs) :]
        # --- the ORPO loss ---
        out = orpo_loss(chosen, rejected, self.config.lam)
        return out.losses.mean(), {
            "orpo/nll": out.nll.mean(),
            "orpo/log_odds_ratio": out.log_odds_ratio.mean(),
            "rewards/accuracy": (out.log_odds_ratio > 0).float().mean(),
        }
