"""The torch-free list of loss names that configs check against is the loss classes' list."""

from __future__ import annotations

from alignzoo_dpo.config import LOSS_NAMES
from alignzoo_dpo.loss import LOSSES


def test_config_loss_names_are_the_loss_classes_names_in_order() -> None:
    assert tuple(LOSSES) == LOSS_NAMES
