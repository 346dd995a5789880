"""GRPO's per-token objectives and the ways they are aggregated into a batch loss.

Per token t of completion i, with ratio rho = pi / pi_old and advantage A_i:

* clipped (GRPO, Shao et al. 2024, eq. 3; DAPO's asymmetric clip, Yu et al. 2025):
  l = -min(rho A, clip(rho, 1 - eps_low, 1 + eps_high) A), the core's ``clipped_surrogate``
* cispo (MiniMax-M1 2025): l = -sg(min(rho, 1 + eps_high)) A log pi, a REINFORCE step whose
  importance weight is clipped but never cuts the gradient of a token off
* plus beta * k3(pi, pi_ref) when a KL term is asked for.
"""

from __future__ import annotations

import torch

from alignzoo.algorithms.batching import step_token_mean
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
    log_ratio: torch.Tensor, logprobs: torch.Tensor, advantages: torch.Tensor, epsilon_high: float
) -> TokenLosses:
    """l = -sg(min(rho, 1 + eps_high)) A log pi."""
    ratio = torch.exp(log_ratio)
    weight = torch.clamp(ratio, max=1 + epsilon_high).detach()
    return TokenLosses(-weight * advantages.unsqueeze(-1) * logprobs, ratio > 1 + epsilon_high)


def aggregate(
    losses: torch.Tensor,
    mask: torch.Tensor,
    loss_type: LossType,
    max_completion_length: int,
    step_tokens: float,
    step_rows: int,
) -> torch.Tensor:
    """The loss of these rows, as the updater takes it: the mean over the rows' share.

    The updater multiplies each micro-batch's loss by its share of the step's rows, so a loss
    normalised over the whole step (dapo, cispo: by ``step_tokens``) is divided by that share
    here; the others are means over their own rows or tokens.
    """
    masked = losses * mask
    rows = losses.shape[0]
    if loss_type is LossType.grpo:
        return (masked.sum(-1) / mask.sum(-1).clamp(min=1)).mean()
    if loss_type is LossType.bnpo:
        return masked.sum() / mask.sum().clamp(min=1)
    if loss_type is LossType.dr_grpo:
        return masked.sum() / (rows * max_completion_length)
    return step_token_mean(masked.sum(), rows, step_tokens, step_rows)
