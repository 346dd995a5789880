"""ORPO's training step, read top to bottom."""

from __future__ import annotations

from collections.abc import Sequence

from alignzoo.algorithms import Algorithm, Metrics, Record, Updater
from alignzoo.algorithms.batching import micro_batches
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.tokenize import tokenize_completions
from alignzoo_orpo.loss import orpo_loss


class ORPOAlgorithm(Algorithm):
    """Raises the chosen responses' likelihood and their odds against the rejected ones.

    Consumes preference pairs; needs no reference model for its loss (evaluation still
    compares to the reference the runner keeps).
    """

    consumes = "pairs"

    def train_step(self, batch: Sequence[Record], updater: Updater) -> Metrics:
        """One optimizer step on ``batch``, accumulated over micro-batches."""
        totals: dict[str, float] = {}
        tokens_seen = 0
        for micro in micro_batches(batch, self.ctx.micro_batch_size):
            weight = len(micro) / len(batch)
            # --- mean token log-probs of chosen and rejected, in one forward ---
            prompts = [pair.prompt for pair in micro]
            tokens = tokenize_completions(
                self.ctx.tokenizer,
                prompts + prompts,
                [pair.chosen for pair in micro] + [pair.rejected for pair in micro],
                self.ctx.max_length,
            ).to(self.ctx.device)
            tokens_seen += int(tokens.attention_mask.sum())
            lengths = tokens.completion_mask[:, 1:].sum(-1).clamp(min=1)
            mean_logps = sequence_logprobs(self.ctx.policy, tokens) / lengths
            chosen, rejected = mean_logps[: len(micro)], mean_logps[len(micro) :]
            # --- the ORPO loss and its gradient ---
            out = orpo_loss(chosen, rejected, self.config.lam)
            loss = out.losses.mean()
            updater.backward(loss * weight)
            for key, value in {
                "loss": loss.item(),
                "orpo/nll": out.nll.mean().item(),
                "orpo/log_odds_ratio": out.log_odds_ratio.mean().item(),
                "rewards/accuracy": (out.log_odds_ratio > 0).float().mean().item(),
            }.items():
                totals[key] = totals.get(key, 0.0) + value * weight
        # --- optimizer step ---
        return totals | {"perf/tokens": float(tokens_seen)} | updater.step()
