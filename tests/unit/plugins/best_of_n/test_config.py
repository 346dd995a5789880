"""best_of_n's config refuses nonsense, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_best_of_n.config import BestOfNConfig


def test_n_must_be_at_least_1() -> None:
    with pytest.raises(ConfigError) as raised:
        BestOfNConfig(n=0)
    assert str(raised.value) == "algorithm.n must be >= 1, got 0"
    BestOfNConfig(n=1)
    BestOfNConfig()
