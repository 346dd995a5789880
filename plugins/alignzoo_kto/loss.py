"""KTO's loss (Ethayarajh et al. 2024, "KTO: Model Alignment as Prospect Theoretic
Optimization", eq. 8).

With the implied reward r(x, y) = log pi(y|x) - log pi_ref(y|x) and the reference point
z0 = KL(pi || pi_ref), estimated on the batch and not back-propagated through,

    v(x, y) = lambda_D sigmoid(beta (r - z0))   if y is desirable,
              lambda_U sigmoid(beta (z0 - r))   if y is undesirable,
    L = E[lambda_y - v(x, y)].

z0 is estimated from mismatched pairs: each prompt with another row's completion, a sample of
completions the policy has no reason to prefer, so their mean log-ratio measures how far the
policy has drifted overall (the paper's section 4.1), clamped at 0 as a KL is.
"""

from __future__ import annotations

import torch


def kl_reference_point(mismatched_log_ratios: torch.Tensor) -> torch.Tensor:
    """z0 = max(0, mean of log pi/pi_ref over mismatched (prompt, completion) rows), detached."""
    return mismatched_log_ratios.detach().mean().clamp(min=0)


def kto_losses(
    log_ratios: torch.Tensor,
    desirable: torch.Tensor,
    reference_point: torch.Tensor,
    beta: float,
    desirable_weight: float,
    undesirable_weight: float,
) -> torch.Tensor:
    """lambda_y - v(x, y) per row; ``desirable`` is a bool tensor; [B]."""
    weight = torch.where(desirable, desirable_weight, undesirable_weight).to(log_ratios.dtype)
    sign = torch.where(desirable, 1.0, -1.0).to(log_ratios.dtype)
    return weight * (1 - torch.sigmoid(beta * sign * (log_ratios - reference_point)))
