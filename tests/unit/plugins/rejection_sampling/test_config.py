"""rejection_sampling's config refuses nonsense, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.config.schema import SamplingConfig
from alignzoo.errors import ConfigError
from alignzoo_rejection_sampling.config import RejectionSamplingConfig


def test_n_must_be_at_least_1() -> None:
    with pytest.raises(ConfigError) as raised:
        RejectionSamplingConfig(n=0)
    assert str(raised.value) == "algorithm.n must be >= 1, got 0"
    RejectionSamplingConfig(n=1)
    RejectionSamplingConfig()


def test_the_rollout_of_rejection_sampling_is_checked_under_its_key() -> None:
    with pytest.raises(ConfigError) as raised:
        RejectionSamplingConfig(rollout=SamplingConfig(top_k=-1))
    assert str(raised.value) == "algorithm.rollout.top_k must be >= 0, got -1"
