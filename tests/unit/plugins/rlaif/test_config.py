"""The local judge's config refuses nonsense, named as reward=judge has it."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_rlaif.config import LocalJudgeConfig, RLAIFConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"likelihood_scale": 0.0}, "reward.likelihood_scale must be > 0, got 0.0"),
        ({"batch_size": 0}, "reward.batch_size must be >= 1, got 0"),
        ({"max_length": 1}, "reward.max_length must be >= 2, got 1"),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        LocalJudgeConfig(**fields)
    assert str(raised.value) == message


def test_the_defaults_are_allowed() -> None:
    LocalJudgeConfig()
    RLAIFConfig()
