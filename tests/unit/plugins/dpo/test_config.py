"""algorithm=dpo's config refuses nonsense before any model loads, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_dpo.config import DPOConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"beta": 0.0}, "algorithm.beta must be > 0, got 0.0"),
        ({"beta": -0.1}, "algorithm.beta must be > 0, got -0.1"),
        ({"label_smoothing": 0.6}, "algorithm.label_smoothing must be in [0, 0.5], got 0.6"),
        ({"label_smoothing": -0.1}, "algorithm.label_smoothing must be in [0, 0.5], got -0.1"),
        ({"discopop_tau": 0.0}, "algorithm.discopop_tau must be > 0, got 0.0"),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        DPOConfig(**fields)
    assert str(raised.value) == message


def test_a_bad_value_and_an_unknown_loss_are_reported_together() -> None:
    with pytest.raises(ConfigError) as raised:
        DPOConfig(beta=0.0, loss="nope")
    message = str(raised.value)
    assert message.startswith("2 config values are invalid: algorithm.beta must be > 0")
    assert "algorithm.loss: unknown loss 'nope'" in message


@pytest.mark.parametrize(
    "fields",
    [{}, {"beta": 1e-6}, {"loss": "cdpo", "label_smoothing": 0.5}, {"label_smoothing": 0.0}],
)
def test_the_defaults_and_the_edges_of_each_range_are_allowed(fields: dict) -> None:
    DPOConfig(**fields)
