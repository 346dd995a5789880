"""Best-of-n's closed-form KL."""

from __future__ import annotations

import math

import pytest
import torch

from alignzoo_best_of_n.kl import best_of_n_kl


def test_best_of_n_kl_is_log_n_minus_n_minus_1_over_n() -> None:
    assert best_of_n_kl(1) == 0.0
    assert best_of_n_kl(2) == pytest.approx(math.log(2) - 0.5)
    assert best_of_n_kl(16) == pytest.approx(2.7725887 - 0.9375)


def test_the_closed_form_matches_the_kl_of_best_of_n_on_a_discrete_distribution() -> None:
    # a reference uniform over m distinct rewards: best-of-n puts mass ((k+1)^n - k^n)/m^n on
    # the (k+1)-th best; its KL to uniform tends to log n - (n-1)/n as m grows
    m, n = 20_000, 4
    k = torch.arange(m, dtype=torch.float64)
    best = ((k + 1) ** n - k**n) / m**n
    kl = (best * torch.log(best * m)).sum().item()
    assert kl == pytest.approx(best_of_n_kl(n), abs=1e-3)
