"""GRPO's per-token objectives and the ways they are aggregated into a batch loss.

Per token t of completion i, with ratio rho = pi / pi_old and advantage A_i:

* clipped (GRPO, Shao et al. 2024, eq. 3; DAPO's asymmetric clip, Yu et al. 2025):
  l = -min(rho A, clip(rho, 1 - eps_low, 1 + eps_high) A), the core's ``clipped_surrogate``
* cispo (MiniMax-M1 2025): l = -sg(min(rho, w_max)) A log pi, a REINFORCE step whose
  importance weight is clipped but never cuts the gradient of a token off
* plus beta * k3(pi, pi_ref) when a KL term is asked for.
"""

from __future__ import annotations

import torch

from alignzoo.algorithms.batching import StepTokens
from alignzoo.algorithms.policy_gradient import TokenLosses
from alignzoo_grpo.config import ImportanceLevel, LossType


def log_importance(
    logprobs: torch.Tensor, old_logprobs: torch.Tensor, mask: torch.Tensor, level: ImportanceLevel
) -> torch.Tensor:
    """log rho per token; at sequence level (GSPO) each token gets its sequence's mean."""
    log_ratio = (logprobs - old_logprobs) * mask
    if level is ImportanceLevel.token:
        return log_ratio
    per_sequence = log_ratio.sum(-1, keepdim=True) / mask.sum(-1, keepdim=True).clamp(min=1)
    return per_sequence.expand_as(log_ratio)


def cispo_token_losses(
    log_ratio: torch.Tensor, logprobs: torch.Tensor, advantages: torch.Tensor, max_weight: float
) -> TokenLosses:
    """l = -sg(min(rho, w_max)) A log pi; ``max_weight`` is the cap itself (ScaleRL's
    epsilon_max, TRL's epsilon_high under cispo; MiniMax-M1 writes it 1 + eps_high)."""
    ratio = torch.exp(log_ratio)
    weight = torch.clamp(ratio, max=max_weight).detach()
    return TokenLosses(-weight * advantages.unsqueeze(-1) * logprobs, ratio > max_weight)


def aggregate(
    losses: torch.Tensor,
    mask: torch.Tensor,
    loss_type: LossType,
    max_completion_length: int,
    step: StepTokens,
) -> torch.Tensor:
    """The loss of these rows, as the updater takes it: the mean over the rows' share.

    The updater multiplies each micro-batch's loss by its share of the step's rows, so a loss
    normalised over the whole step (dapo, bnpo, cispo: by ``step``'s tokens) is divided by that
    share here; grpo and dr_grpo are means over rows, which that weighting already makes exact.
    """
    if loss_type is LossType.grpo:
        return ((losses * mask).sum(-1) / mask.sum(-1).clamp(min=1)).mean()
    if loss_type is LossType.dr_grpo:
        return (losses * mask).sum() / (losses.shape[0] * max_completion_length)
    return step.token_mean(losses, mask)
