"""SimPO's loss (Meng et al. 2024, "SimPO: Simple Preference Optimization with a
Reference-Free Reward", eq. 6).

With the average log-prob of a completion as its implicit reward, r(x, y) = beta/|y| log pi(y|x),

    L = -log sigmoid(r(x, y_c) - r(x, y_r) - gamma).

No reference model appears anywhere: the length normalisation, not a KL anchor, keeps the
reward from favouring long answers, and the margin gamma asks for a clear gap.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def simpo_loss(
    chosen_mean_logps: torch.Tensor,
    rejected_mean_logps: torch.Tensor,
    beta: float,
    gamma: float,
) -> torch.Tensor:
    """-log sigmoid(beta (mean log pi(y_c) - mean log pi(y_r)) - gamma), per pair; [B]."""
    return -F.logsigmoid(beta * (chosen_mean_logps - rejected_mean_logps) - gamma)
