"""algorithm=grpo's config refuses nonsense before any model loads, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.config.schema import SamplingConfig
from alignzoo.errors import ConfigError
from alignzoo_grpo.config import GRPOConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"num_generations": 1}, "algorithm.num_generations must be >= 2, got 1"),
        ({"epsilon_low": 0.0}, "algorithm.epsilon_low must be > 0, got 0.0"),
        ({"epsilon_high": -0.2}, "algorithm.epsilon_high must be > 0, got -0.2"),
        ({"beta": -0.01}, "algorithm.beta must be >= 0, got -0.01"),
        ({"num_iterations": 0}, "algorithm.num_iterations must be >= 1, got 0"),
        (
            {"rollout": SamplingConfig(temperature=0.0)},
            "algorithm.rollout.temperature must be > 0, got 0.0",
        ),
        (
            {"rollout": SamplingConfig(max_new_tokens=0)},
            "algorithm.rollout.max_new_tokens must be >= 1, got 0",
        ),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        GRPOConfig(**fields)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "fields", [{}, {"num_generations": 2}, {"beta": 0.0}, {"epsilon_high": 0.28}]
)
def test_the_defaults_and_the_edges_of_each_range_are_allowed(fields: dict) -> None:
    GRPOConfig(**fields)
