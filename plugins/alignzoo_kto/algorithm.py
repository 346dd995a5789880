"""KTO: learn from completions labelled good or bad, one at a time, no pairs needed."""

from __future__ import annotations

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
from alignzoo.algorithms.rows import SHARED, RowSliced
from alignzoo.data.records import LabelledCompletion
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.tokenize import TokenizedCompletions, tokenize_completions
from alignzoo_kto.config import KTOConfig, KTOTraits
from alignzoo_kto.loss import kl_reference_point, kto_losses


@dataclass
class KTOBatch(RowSliced):
    """Feedback rows tokenized once for the step, their labels and reference log-probs, and
    the step's KL reference point z0."""

    tokens: TokenizedCompletions
    desirable: torch.Tensor
    reference_logps: torch.Tensor
    #: z0, the step's KL reference point
    reference_point: torch.Tensor = field(metadata=SHARED)


class KTOAlgorithm(KTOTraits, Algorithm[LabelledCompletion]):
    """KTO (Ethayarajh et al. 2024) on unpaired feedback (``data.kind=feedback`` rows, or
    preference pairs split into a desirable and an undesirable row each).

    Each step: reference log-probs of the rows, and z0 from the batch's mismatched rows
    (prompt i with completion i+1), both without gradients; then the loss lambda_y - v(x, y).
    Raises ``ConfigError`` for beta <= 0 or a negative weight.
    """

    def __init__(self, config: KTOConfig, context: AlgorithmContext) -> None:
        super().__init__(config, context)
        if not config.beta > 0:
            raise ConfigError(f"algorithm.beta must be > 0, got {config.beta}")
        if config.desirable_weight < 0 or config.undesirable_weight < 0:
            raise ConfigError("algorithm.desirable_weight and undesirable_weight must be >= 0")

    def train_step(self, batch: Sequence[LabelledCompletion], updater: Updater) -> Metrics:
        """Score the reference and z0 once for the step, then one optimizer step."""
        rows = list(batch)
        prompts, completions = [r.prompt for r in rows], [r.completion for r in rows]
        tokens = self._tokenize(prompts, completions)
        desirable = torch.tensor([r.desirable for r in rows], device=self.ctx.device)
        reference = self.ctx.reference_model()
        # --- reference log-probs of the rows, without gradients ---
        reference_logps = reference.sequence_logprobs(tokens)
        # --- z0: the policy's drift on mismatched rows (prompt i, completion i+1) ---
        mismatched = self._tokenize(prompts, completions[1:] + completions[:1])
        with torch.no_grad():
            drift = sequence_logprobs(
                self.ctx.bare_policy, mismatched
            ) - reference.sequence_logprobs(mismatched)
        z0 = kl_reference_point(drift)
        step = KTOBatch(tokens, desirable, reference_logps, z0)
        return updater.update(step, self.loss_on) | {
            "kto/reference_point": z0.item(),
            "kto/desirable_share": desirable.float().mean().item(),
        }

    def loss_on(self, part: KTOBatch) -> LossAndMetrics:
        """The mean of lambda_y - v(x, y) over ``part``'s rows, and the rewards by label."""
        cfg = self.config
        log_ratios = sequence_logprobs(self.ctx.policy, part.tokens) - part.reference_logps
        desirable = part.desirable
        losses = kto_losses(
            log_ratios,
            desirable,
            part.reference_point,
            cfg.beta,
            cfg.desirable_weight,
            cfg.undesirable_weight,
        )
        rewards = (cfg.beta * log_ratios).detach()
        metrics = {}
        if desirable.any():
            metrics["rewards/chosen"] = rewards[desirable].mean()
        if (~desirable).any():
            metrics["rewards/rejected"] = rewards[~desirable].mean()
        return losses.mean(), metrics

    def _tokenize(self, prompts: list[str], completions: list[str]) -> TokenizedCompletions:
        ctx = self.ctx
        return tokenize_completions(ctx.tokenizer, prompts, completions, ctx.max_length).to(
            ctx.device
        )
