"""The clipped surrogate objective that PPO-style policy updates share (Schulman et al. 2017).

Per token, with ratio rho = pi / pi_old and advantage A:

    l = -min(rho A, clip(rho, 1 - eps_low, 1 + eps_high) A)

(PPO's eq. 7 as a loss; DAPO, Yu et al. 2025, lets the upper range differ from the lower).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class TokenLosses:
    """Per-token losses and where clipping bound, both shaped like the log-ratio."""

    losses: torch.Tensor
    clipped: torch.Tensor


def clipped_surrogate(
    log_ratio: torch.Tensor,
    advantages: torch.Tensor,
    epsilon_low: float,
    epsilon_high: float | None = None,
) -> TokenLosses:
    """l = -min(rho A, clip(rho, 1 - eps_low, 1 + eps_high) A); ``advantages`` broadcast to
    ``log_ratio`` (per token, or [N, 1] per sequence). ``epsilon_high`` defaults to low."""
    high = epsilon_low if epsilon_high is None else epsilon_high
    ratio = torch.exp(log_ratio)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1 - epsilon_low, 1 + high) * advantages
    return TokenLosses(-torch.minimum(unclipped, clipped), clipped < unclipped)
