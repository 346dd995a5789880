"""algorithm=kto's config refuses nonsense before any model loads, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_kto.config import KTOConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"beta": 0.0}, "algorithm.beta must be > 0, got 0.0"),
        ({"desirable_weight": -1.0}, "algorithm.desirable_weight must be >= 0, got -1.0"),
        ({"undesirable_weight": -0.5}, "algorithm.undesirable_weight must be >= 0, got -0.5"),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        KTOConfig(**fields)
    assert str(raised.value) == message


@pytest.mark.parametrize("fields", [{}, {"desirable_weight": 0.0}, {"beta": 5.0}])
def test_the_defaults_and_the_edges_of_each_range_are_allowed(fields: dict) -> None:
    KTOConfig(**fields)
