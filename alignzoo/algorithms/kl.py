"""Per-token estimators of KL(pi || pi_ref) from sampled tokens (Schulman 2020, "Approximating
KL divergence"): RL algorithms penalise or report the policy's drift with them."""

from __future__ import annotations

import torch


def kl_k1(logprobs: torch.Tensor, reference_logprobs: torch.Tensor) -> torch.Tensor:
    """k1 = log pi(a|s) - log pi_ref(a|s): unbiased, can be negative per token (Schulman 2020)."""
    return logprobs - reference_logprobs


def kl_k3(logprobs: torch.Tensor, reference_logprobs: torch.Tensor) -> torch.Tensor:
    """k3 = (r - 1) - log r with r = pi_ref/pi: unbiased and never negative (Schulman 2020)."""
    log_ratio = reference_logprobs - logprobs
    return torch.expm1(log_ratio) - log_ratio


KL_ESTIMATORS = {"k1": kl_k1, "k3": kl_k3}
