"""What best-of-n costs in KL, known in closed form."""

from __future__ import annotations

import math


def best_of_n_kl(n: int) -> float:
    """KL(best-of-n || reference) = log n - (n - 1) / n nats (Stiennon et al. 2020, App. G.3;
    the DPO paper's Figure 2 baseline), exact for a reward without ties."""
    return math.log(n) - (n - 1) / n
