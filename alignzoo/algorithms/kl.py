"""Per-token estimators of KL(pi || pi_ref) from sampled tokens (Schulman 2020, "Approximating
KL divergence"): RL algorithms penalise or report the policy's drift with them."""

from __future__ import annotations

import torch

from alignzoo.algorithms.kl_estimator import KLEstimator
from alignzoo.algorithms.masked import masked_mean


def kl_k1(logprobs: torch.Tensor, reference_logprobs: torch.Tensor) -> torch.Tensor:
    """k1 = log pi(a|s) - log pi_ref(a|s): unbiased, can be negative per token (Schulman 2020)."""
    return logprobs - reference_logprobs


def kl_k3(logprobs: torch.Tensor, reference_logprobs: torch.Tensor) -> torch.Tensor:
    """k3 = (r - 1) - log r with r = pi_ref/pi: unbiased and never negative (Schulman 2020)."""
    log_ratio = reference_logprobs - logprobs
    return torch.expm1(log_ratio) - log_ratio


KL_ESTIMATORS = {KLEstimator.k1: kl_k1, KLEstimator.k3: kl_k3}


def kl_penalised_rewards(
    scores: torch.Tensor, kl: torch.Tensor, mask: torch.Tensor, beta: float
) -> torch.Tensor:
    """Per-token rewards r_t = -beta KL_t, plus the completion's score at its last token
    (Ziegler et al. 2019; REINFORCE++). ``kl`` and ``mask`` are [N, T-1], ``scores`` [N]."""
    rewards = -beta * kl * mask
    last = mask.shape[1] - 1 - mask.flip(1).argmax(dim=1)
    rewards[torch.arange(len(scores), device=scores.device), last] += scores
    return rewards


def kl_metrics(kl: torch.Tensor, mask: torch.Tensor) -> dict[str, float]:
    """The KL to the reference logged two ways: ``objective/kl``, summed over each completion's
    tokens and averaged over completions (what a KL penalty on sequences weighs, and what the
    frontier plots), and ``objective/kl_per_token``, the mean over every completion token of
    the batch (what TRL logs as ``kl``: smaller by the mean completion length)."""
    return {
        "objective/kl": (kl * mask).sum(-1).mean().item(),
        "objective/kl_per_token": masked_mean(kl, mask).item(),
    }


def clamp_kl(kl: torch.Tensor, bound: float | None) -> torch.Tensor:
    """Per-token KL estimates clamped to [-bound, bound] (OpenRLHF clamps to 10), so one
    token the policy has all but ruled out cannot swamp a completion's reward; None keeps it."""
    return kl if bound is None else kl.clamp(-bound, bound)
