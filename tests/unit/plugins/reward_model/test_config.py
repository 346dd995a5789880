"""The reward-model configs refuse nonsense before any model loads, naming the key."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from alignzoo.errors import ConfigError
from alignzoo_reward_model.config import LearnedRewardConfig, RewardModelConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"margin": -0.5}, "algorithm.margin must be >= 0, got -0.5"),
        (
            {"center_rewards_coefficient": -0.01},
            "algorithm.center_rewards_coefficient must be >= 0, got -0.01",
        ),
    ],
)
def test_training_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        RewardModelConfig(**fields)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"batch_size": 0}, "reward.batch_size must be >= 1, got 0"),
        ({"max_length": 1}, "reward.max_length must be >= 2, got 1"),
    ],
)
def test_scoring_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        LearnedRewardConfig(path="some/model", **fields)
    assert str(raised.value) == message


def test_the_path_stays_required_and_says_what_it_expects() -> None:
    assert OmegaConf.is_missing(OmegaConf.structured(LearnedRewardConfig), "path")
    [path] = [f for f in LearnedRewardConfig.__dataclass_fields__.values() if f.name == "path"]
    assert "saved by algorithm=reward_model" in path.metadata["expects"]
    RewardModelConfig()
    LearnedRewardConfig(path="some/model")
