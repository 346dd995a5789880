"""The one list of DPO's losses (``config.LOSS_CLASSES``, torch-free) names real loss classes."""

from __future__ import annotations

from alignzoo_dpo import loss
from alignzoo_dpo.config import LOSS_CLASSES, LOSS_NAMES


def test_every_name_maps_to_a_loss_class_of_loss_py_in_the_lists_order() -> None:
    assert tuple(loss.LOSSES) == LOSS_NAMES == tuple(LOSS_CLASSES)
    for name, cls in loss.LOSSES.items():
        assert cls.__name__ == LOSS_CLASSES[name] and issubclass(cls, loss._MarginLoss), name
