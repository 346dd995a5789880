"""algorithm=online_dpo's config checks its sampling, and its DPO step checks itself."""

from __future__ import annotations

import pytest

from alignzoo.config.schema import SamplingConfig
from alignzoo.errors import ConfigError
from alignzoo_dpo.config import DPOConfig
from alignzoo_online_dpo.config import OnlineDPOConfig


def test_the_rollout_is_checked_under_its_key() -> None:
    with pytest.raises(ConfigError) as raised:
        OnlineDPOConfig(rollout=SamplingConfig(max_new_tokens=0, temperature=-1.0))
    message = str(raised.value)
    assert message.startswith("2 config values are invalid: ")
    assert "algorithm.rollout.max_new_tokens must be >= 1, got 0" in message
    assert "algorithm.rollout.temperature must be > 0, got -1.0" in message


def test_the_defaults_and_a_typed_dpo_step_are_allowed() -> None:
    OnlineDPOConfig()
    OnlineDPOConfig(dpo=DPOConfig(beta=0.5))
