"""``algorithm.loss_weights`` must give one weight per loss of ``algorithm.loss``; a mismatch
is a ``ConfigError`` naming both fields and their lengths, raised with the config, before any
model loads (it used to surface as a raw ``ValueError`` from building the loss)."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo_dpo.config import DPOConfig


def test_fewer_weights_than_losses_names_both_fields_and_lengths() -> None:
    with pytest.raises(ConfigError) as caught:
        DPOConfig(loss=["sigmoid", "sft"], loss_weights=[1.0])
    message = str(caught.value)
    assert "algorithm.loss_weights has 1 weight for the 2 losses of algorithm.loss" in message
    assert "(sigmoid, sft)" in message and "\n" not in message


def test_weights_for_a_single_loss_must_be_one() -> None:
    with pytest.raises(ConfigError, match="has 2 weights for the 1 losses of algorithm.loss"):
        DPOConfig(loss="ipo", loss_weights=[1.0, 0.5])


def test_matching_weights_or_none_are_accepted() -> None:
    assert DPOConfig(loss=["sigmoid", "sft"], loss_weights=[1.0, 0.05]).loss_weights == [1, 0.05]
    assert DPOConfig(loss="sigmoid", loss_weights=[2.0]).loss_weights == [2.0]
    assert DPOConfig(loss=["sigmoid", "sft"]).loss_weights is None
