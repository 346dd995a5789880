"""One trial of an equal-budget search: its learning rate and strength, set into the config.

``alignzoo -m +experiment=tune`` sweeps ``tuning.lr_scale`` and ``tuning.strength_index``
over every algorithm's ``conf/tune/<name>.yaml`` (shipped by its plugin, naming its main
strength coefficient and the values to try). Each run then trains at its own settings: the
algorithm's budget rate times the scale, and the strength the index picks. The run's
``summary.json`` records the config as trained, so a report and a rerun read the settings
themselves, not the scale that led to them.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from alignzoo.errors import ConfigError

_ABSENT = object()


def apply_trial(cfg: DictConfig) -> dict[str, Any] | None:
    """Set ``cfg.tuning``'s trial into ``train.learning_rate`` and the algorithm's strength
    field; return what it set (None when the config is not a trial). The trial fields are
    then reset (scale 1, no index), so the config trains as written and composes the same
    run again."""
    tuning = cfg.get("tuning")
    if tuning is None or (tuning.lr_scale == 1.0 and tuning.strength_index is None):
        return None
    trial: dict[str, Any] = {}
    if tuning.lr_scale != 1.0:
        scaled = float(cfg.train.learning_rate) * float(tuning.lr_scale)
        cfg.train.learning_rate = float(f"{scaled:.6g}")  # 3 x 1e-4: 3e-4, no binary noise
        trial["train.learning_rate"] = cfg.train.learning_rate
    if tuning.strength_index is not None:
        field, value = _strength(cfg)
        OmegaConf.update(cfg.algorithm, field, value)  # a dotted field too: ``dpo.beta``
        trial[f"algorithm.{field}"] = value
    with open_dict(cfg.tuning):  # applied: the config now says what it trains
        cfg.tuning.lr_scale = 1.0
        cfg.tuning.strength_index = None
    return trial


def _strength(cfg: DictConfig) -> tuple[str, Any]:
    """The algorithm's strength field and the value ``tuning.strength_index`` picks."""
    tuning = cfg.tuning
    index = int(tuning.strength_index)
    if not tuning.strength:
        raise ConfigError(
            f"tuning.strength_index={index}, but tuning.strength names no field of "
            "the algorithm: set tuning.strength=<field> and tuning.strengths=[...] (an "
            "algorithm's conf/tune/<name>.yaml does)"
        )
    if OmegaConf.select(cfg.algorithm, tuning.strength, default=_ABSENT) is _ABSENT:
        raise ConfigError(
            f"tuning.strength={tuning.strength!r}: the algorithm's config has no such field"
        )
    values = list(tuning.strengths)
    if index >= len(values):
        raise ConfigError(
            f"tuning.strength_index={index}, but tuning.strengths has {len(values)} values "
            f"({values}): every algorithm in an equal-budget search needs as many"
        )
    return str(tuning.strength), values[index]
