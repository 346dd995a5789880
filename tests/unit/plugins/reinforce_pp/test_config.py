"""algorithm=reinforce_pp's config refuses nonsense before any model loads, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_reinforce_pp.config import Baseline, ReinforcePPConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"samples_per_prompt": 0}, "algorithm.samples_per_prompt must be >= 1, got 0"),
        ({"gamma": 1.5}, "algorithm.gamma must be in [0, 1], got 1.5"),
        ({"cliprange": 0.0}, "algorithm.cliprange must be > 0, got 0.0"),
        ({"kl_coef": -1.0}, "algorithm.kl_coef must be >= 0, got -1.0"),
        ({"epochs": 0}, "algorithm.epochs must be >= 1, got 0"),
        ({"num_minibatches": 0}, "algorithm.num_minibatches must be >= 1, got 0"),
        (
            {"baseline": Baseline.group},
            "algorithm.baseline=group averages a prompt's samples: set "
            "algorithm.samples_per_prompt >= 2",
        ),
        # OpenRLHF 0.11.2 openrlhf/trainer/ppo_utils/experience_maker.py:308-310 sets gamma
        # to 1 (with a warning) for reinforce_baseline; here it is refused by name instead
        (
            {"baseline": Baseline.group, "samples_per_prompt": 2, "gamma": 0.9},
            "algorithm.baseline=group takes undiscounted returns: set algorithm.gamma=1, not 0.9",
        ),
        ({"kl_clamp": 0.0}, "algorithm.kl_clamp must be null or > 0, got 0.0"),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        ReinforcePPConfig(**fields)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "fields", [{}, {"baseline": Baseline.group, "samples_per_prompt": 2}, {"gamma": 0.0}]
)
def test_the_defaults_and_the_edges_of_each_range_are_allowed(fields: dict) -> None:
    ReinforcePPConfig(**fields)
