"""The length rule's config refuses a negative target or tolerance, naming the key."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_rules.config import LengthConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": -1}, "reward.target must be >= 0, got -1"),
        ({"tolerance": -2}, "reward.tolerance must be >= 0, got -2"),
    ],
)
def test_nonsense_is_refused_naming_its_key(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        LengthConfig(**fields)
    assert str(raised.value) == message


def test_zero_is_allowed() -> None:
    LengthConfig(target=0, tolerance=0)
