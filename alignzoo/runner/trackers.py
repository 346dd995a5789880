"""Experiment trackers (TensorBoard, Weights & Biases, MLflow) through accelerate's trackers.

Off unless ``logger=`` names one, so nothing is sent anywhere by default. Every row written to
``metrics.jsonl`` goes to the trackers too, from the main process only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from accelerate.utils import is_mlflow_available, is_tensorboard_available, is_wandb_available

from alignzoo.errors import ConfigError

#: ``logger=<name>`` -> (is the package there?, what to install)
TRACKERS = {
    "tensorboard": (is_tensorboard_available, "tensorboard"),
    "wandb": (is_wandb_available, "wandb"),
    "mlflow": (is_mlflow_available, "mlflow"),
}
#: the folder (under the run's) and project name the trackers log under
PROJECT = "tracking"


def tracker_names(logger: str | None) -> list[str]:
    """The trackers ``logger`` names ("tensorboard", or several: "tensorboard,wandb"),
    each checked to be known and installed."""
    if not logger or logger == "none":
        return []
    names = [name.strip() for name in logger.split(",") if name.strip()]
    for name in names:
        if name not in TRACKERS:
            raise ConfigError(f"logger={name!r} is not a tracker; use one of {sorted(TRACKERS)}")
        available, package = TRACKERS[name]
        if not available():
            raise ConfigError(f"logger={name} needs the {package} package: pip install {package}")
    return names


def flat_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The run config as dotted keys with scalar values, as trackers take hyperparameters."""
    return dict(_flatten(config, prefix))


def _flatten(config: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{name}.")
        elif isinstance(value, bool | int | float | str):
            yield name, value
        else:  # lists and None: as text
            yield name, str(value)
