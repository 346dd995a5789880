"""PPO's clipped objectives (Schulman et al. 2017)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from alignzoo.algorithms.masked import masked_mean
from alignzoo.algorithms.policy_gradient import clipped_surrogate
from alignzoo.rollout.importance import corrected


@dataclass(frozen=True)
class PolicyLossOutput:
    """The clipped surrogate loss and its diagnostics."""

    loss: torch.Tensor
    clipfrac: torch.Tensor
    approxkl: torch.Tensor


#: how per-token values become a loss: ``masked_mean`` over the rows given, or a step's
#: token mean (``StepTokens.token_mean``) when the rows are one micro-batch of a larger step
TokenMean = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def clipped_policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    cliprange: float,
    mean: TokenMean = masked_mean,
    importance_weights: torch.Tensor | None = None,
) -> PolicyLossOutput:
    """L = E[max(-A rho, -A clip(rho, 1-eps, 1+eps))], rho = pi/pi_old (Schulman 2017, eq. 7).

    ``approxkl`` is 0.5 E[(log rho)^2]; ``clipfrac`` the share of tokens where clipping binds.
    ``importance_weights`` (a vLLM rollout's truncated correction) weigh each token's term.
    """
    log_ratio = logprobs - old_logprobs
    surrogate = clipped_surrogate(log_ratio, advantages, cliprange)
    loss = mean(corrected(surrogate.losses, importance_weights), mask)
    with torch.no_grad():
        clipfrac = masked_mean(surrogate.clipped.float(), mask)
        approxkl = 0.5 * masked_mean(log_ratio**2, mask)
    return PolicyLossOutput(loss, clipfrac, approxkl)


def clipped_value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    cliprange_value: float,
    mean: TokenMean = masked_mean,
) -> tuple[torch.Tensor, torch.Tensor]:
    """0.5 E[max((V - R)^2, (V_clip - R)^2)], V_clip = V_old + clip(V - V_old, +-eps).

    Returns the loss and the share of tokens where the clipped term is the larger.
    """
    clipped = old_values + torch.clamp(values - old_values, -cliprange_value, cliprange_value)
    unclipped_error, clipped_error = (values - returns) ** 2, (clipped - returns) ** 2
    loss = 0.5 * mean(torch.maximum(unclipped_error, clipped_error), mask)
    with torch.no_grad():
        clipfrac = masked_mean((clipped_error > unclipped_error).float(), mask)
    return loss, clipfrac


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of softmax(logits) along the last dimension."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1)
