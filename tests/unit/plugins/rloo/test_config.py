"""algorithm=rloo's config refuses nonsense before any model loads, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.config.schema import SamplingConfig
from alignzoo.errors import ConfigError
from alignzoo_rloo.config import RLOOConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"num_generations": 1}, "algorithm.num_generations must be >= 2, got 1"),
        ({"beta": -0.05}, "algorithm.beta must be >= 0, got -0.05"),
        (
            {"rollout": SamplingConfig(top_p=0.0)},
            "algorithm.rollout.top_p must be in (0, 1], got 0.0",
        ),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        RLOOConfig(**fields)
    assert str(raised.value) == message


@pytest.mark.parametrize("fields", [{}, {"num_generations": 2}, {"beta": 0.0}])
def test_the_defaults_and_the_edges_of_each_range_are_allowed(fields: dict) -> None:
    RLOOConfig(**fields)
