"""ORPO's training step, read top to bottom."""

from __future__ import annotations

from collections.abc import Sequence

from alignzoo.algorithms import Algorithm, LossAndMetrics, Metrics, Updater
from alignzoo.data.records import PreferencePair
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.tokenize import tokenize_completions
from alignzoo_orpo.loss import log_odds, orpo_loss


class ORPOAlgorithm(Algorithm[PreferencePair]):
    """Raises the chosen responses' likelihood and their odds against the rejected ones."""

    consumes = "pairs"  # or "prompts": then self.ctx.reward scores what you sample
    needs_reference = False  # reference-free: full fine-tuning loads no frozen copy

    def train_step(self, batch: Sequence[PreferencePair], updater: Updater) -> Metrics:
        """One optimizer step; the updater accumulates over ``train.micro_batch_size``."""
        return updater.update(batch, self.loss_on)

    def loss_on(self, pairs: Sequence[PreferencePair]) -> LossAndMetrics:
        """The mean ORPO loss over ``pairs`` (a micro-batch), and its metrics."""
        # --- mean token log-probs of chosen and rejected, in one forward ---
        prompts = [p.prompt for p in pairs]
        tokens = tokenize_completions(
            self.ctx.tokenizer,
            prompts + prompts,
            [p.chosen for p in pairs] + [p.rejected for p in pairs],
            self.ctx.max_length,
        ).to(self.ctx.device)
        lengths = tokens.completion_mask[:, 1:].sum(-1).clamp(min=1)
        mean_logps = sequence_logprobs(self.ctx.policy, tokens) / lengths
        chosen, rejected = mean_logps[: len(pairs)], mean_logps[len(pairs) :]
        # --- the loss, and what to log beside it ---
        ratio = log_odds(chosen) - log_odds(rejected)
        return orpo_loss(chosen, rejected, self.config.lam).mean(), {
            "orpo/nll": -chosen.mean(),
            "orpo/log_odds_ratio": ratio.mean(),
            "rewards/accuracy": (ratio > 0).float().mean(),
        }
