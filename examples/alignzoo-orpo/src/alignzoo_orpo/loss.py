"""The ORPO loss (Hong et al. 2024, eq. 6-7), on per-sequence mean token log-probs."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class ORPOOutput:
    """The loss per pair and its two parts."""

    losses: torch.Tensor
    nll: torch.Tensor
    log_odds_ratio: torch.Tensor


def log_odds(mean_logps: torch.Tensor) -> torch.Tensor:
    """log(P / (1 - P)) with P = exp(mean token log-prob) < 1."""
    return mean_logps - torch.log1p(-torch.exp(mean_logps))


def orpo_loss(chosen: torch.Tensor, rejected: torch.Tensor, lam: float) -> ORPOOutput:
    """L = -log P(y_w|x) + lam * -log sigmoid(log odds(y_w|x) - log odds(y_l|x)).

    ``chosen`` and ``rejected`` are mean token log-probs, shape [B]; no reference model.
    """
    ratio = log_odds(chosen) - log_odds(rejected)
    nll = -chosen
    return ORPOOutput(nll + lam * -F.logsigmoid(ratio), nll, ratio)
