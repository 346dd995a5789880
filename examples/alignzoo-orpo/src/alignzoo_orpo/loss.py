"""The ORPO loss (Hong et al. 2024, eq. 6-7), on per-sequence mean token log-probs."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def log_odds(mean_logps: torch.Tensor) -> torch.Tensor:
    """log(P / (1 - P)) with P = exp(mean token log-prob) < 1."""
    return mean_logps - torch.log1p(-torch.exp(mean_logps))


def orpo_loss(chosen: torch.Tensor, rejected: torch.Tensor, lam: float) -> torch.Tensor:
    """L = -log P(y_w|x) + lam * -log sigmoid(log odds(y_w|x) - log odds(y_l|x)), per pair.

    ``chosen`` and ``rejected`` are mean token log-probs, shape [B]; no reference model.
    """
    return -chosen + lam * -F.logsigmoid(log_odds(chosen) - log_odds(rejected))
