"""best_of_n's and rejection_sampling's configs refuse nonsense, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.config.schema import SamplingConfig
from alignzoo.errors import ConfigError
from alignzoo_best_of_n.config import BestOfNConfig, RejectionSamplingConfig


@pytest.mark.parametrize("config", [BestOfNConfig, RejectionSamplingConfig])
def test_n_must_be_at_least_1(config: type) -> None:
    with pytest.raises(ConfigError) as raised:
        config(n=0)
    assert str(raised.value) == "algorithm.n must be >= 1, got 0"
    config(n=1)
    config()


def test_the_rollout_of_rejection_sampling_is_checked_under_its_key() -> None:
    with pytest.raises(ConfigError) as raised:
        RejectionSamplingConfig(rollout=SamplingConfig(top_k=-1))
    assert str(raised.value) == "algorithm.rollout.top_k must be >= 0, got -1"
