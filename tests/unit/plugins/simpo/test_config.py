"""algorithm=simpo's config refuses nonsense before any model loads, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_simpo.config import SimPOConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"beta": 0.0}, "algorithm.beta must be > 0, got 0.0"),
        ({"gamma": -1.0}, "algorithm.gamma must be >= 0, got -1.0"),
        ({"sft_weight": -0.1}, "algorithm.sft_weight must be >= 0, got -0.1"),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        SimPOConfig(**fields)
    assert str(raised.value) == message


@pytest.mark.parametrize("fields", [{}, {"gamma": 0.0}, {"sft_weight": 0.0}])
def test_the_defaults_and_the_edges_of_each_range_are_allowed(fields: dict) -> None:
    SimPOConfig(**fields)
