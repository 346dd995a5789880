"""algorithm=ppo's config refuses nonsense before any model loads, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_ppo.config import PPOConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"gamma": 1.1}, "algorithm.gamma must be in [0, 1], got 1.1"),
        ({"lam": -0.1}, "algorithm.lam must be in [0, 1], got -0.1"),
        ({"cliprange": 0.0}, "algorithm.cliprange must be > 0, got 0.0"),
        ({"cliprange_value": -0.2}, "algorithm.cliprange_value must be > 0, got -0.2"),
        ({"kl_coef": -0.05}, "algorithm.kl_coef must be >= 0, got -0.05"),
        ({"target_kl": 0.0}, "algorithm.target_kl must be > 0, got 0.0"),
        ({"kl_horizon": 0}, "algorithm.kl_horizon must be >= 1, got 0"),
        ({"reward_scale": 0.0}, "algorithm.reward_scale must be > 0, got 0.0"),
        ({"reward_clip": 0.0}, "algorithm.reward_clip must be null or > 0, got 0.0"),
        (
            {"missing_eos_penalty": -1.0},
            "algorithm.missing_eos_penalty must be null or >= 0, got -1.0",
        ),
        ({"vf_coef": -0.1}, "algorithm.vf_coef must be >= 0, got -0.1"),
        ({"ppo_epochs": 0}, "algorithm.ppo_epochs must be >= 1, got 0"),
        ({"num_minibatches": 0}, "algorithm.num_minibatches must be >= 1, got 0"),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        PPOConfig(**fields)
    assert str(raised.value) == message


def test_several_problems_come_in_one_error() -> None:
    with pytest.raises(ConfigError, match=r"^2 config values are invalid: .*gamma.*; .*lam"):
        PPOConfig(gamma=2.0, lam=2.0)


@pytest.mark.parametrize(
    "fields",
    [{}, {"gamma": 0.0, "lam": 1.0}, {"kl_coef": 0.0}, {"reward_clip": None}, {"reward_clip": 5.0}],
)
def test_the_defaults_and_the_edges_of_each_range_are_allowed(fields: dict) -> None:
    PPOConfig(**fields)
