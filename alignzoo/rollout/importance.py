"""Truncated importance sampling: a correction for the engine sampling from slightly
different probabilities than the trainer computes (Yao et al. 2025, "Your Efficient RL
Framework Secretly Brings You Off-Policy RL Training").

A fast engine (vLLM) samples y ~ pi_engine, but the loss differentiates the trainer's pi:
kernels, precision and batch shapes make the two differ, so the policy gradient is biased.
Weighting each sampled token's policy-gradient term by

    w_t = min(pi(y_t) / pi_engine(y_t), C)        (no gradient through w)

removes the bias where the ratio is below the cap C and bounds the variance above it (TRL's
``vllm_importance_sampling_correction``, verl's token-level rollout correction). The weights
multiply the surrogate's per-token terms only, not a KL penalty beside them, as TRL does.
"""

from __future__ import annotations

import torch

from alignzoo.algorithms.masked import masked_mean


def importance_weights(
    trainer: torch.Tensor, engine: torch.Tensor, mask: torch.Tensor, cap: float | None
) -> torch.Tensor | None:
    """w = min(exp(log pi - log pi_engine), cap) at the sampled tokens (0 elsewhere), [N, T-1];
    None when no cap is set (no correction)."""
    if cap is None:
        return None
    return torch.exp(trainer - engine).clamp(max=cap) * mask


def engine_mismatch(
    trainer: torch.Tensor,
    engine: torch.Tensor,
    mask: torch.Tensor,
    weights: torch.Tensor | None,
    cap: float | None = None,
) -> dict[str, float]:
    """How far the engine's log-probs are from the trainer's, over the sampled tokens.

    ``rollout/engine_kl``: KL(pi_engine || pi) per token, estimated on the engine's own samples
    with k3 = r - 1 - log r, r = pi / pi_engine (non-negative, low variance; Schulman 2020).
    ``rollout/engine_logprob_gap``: the mean absolute difference of the two log-probs.
    With weights: their mean, and the share of tokens the cap truncated.
    """
    log_ratio = (trainer - engine) * mask
    ratio = torch.exp(log_ratio)
    metrics = {
        "rollout/engine_kl": float(masked_mean(ratio - 1 - log_ratio, mask)),
        "rollout/engine_logprob_gap": float(masked_mean(log_ratio.abs(), mask)),
    }
    if weights is not None:
        metrics["rollout/importance_weight"] = float(masked_mean(weights, mask))
        if cap is not None:
            metrics["rollout/importance_truncated"] = float(
                masked_mean((ratio > cap).float(), mask)
            )
    return metrics


def corrected(token_terms: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
    """A policy-gradient loss's per-token terms ([N, T-1]) under the rollout's truncated
    importance weights (unchanged where it has none)."""
    return token_terms if weights is None else token_terms * weights
