"""Allowed ranges of numeric config fields, declared beside the fields they bound.

A config dataclass lists its bounded fields in a ``field_ranges`` class variable; the run's
validation walks the composed config and checks every declared range under its full dotted
key (``algorithm.rollout.temperature``), so a nonsense value fails before any model loads,
naming the key, the value and what was expected, all problems in one message.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from alignzoo.errors import ConfigError


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class Range:
    """An interval of allowed values; ``optional`` also allows None (a feature left off)."""

    low: float | None = None
    high: float | None = None
    #: exclude the bound itself: ``> 0`` rather than ``>= 0``
    low_open: bool = False
    high_open: bool = False
    optional: bool = False

    def expected(self) -> str:
        """What a message says is expected: ``>= 1``, ``in (0, 1]``, ``null or > 0``."""
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            bound = f"in {left}{_number(self.low)}, {_number(self.high)}{right}"
        elif self.low is not None:
            bound = f"{'>' if self.low_open else '>='} {_number(self.low)}"
        elif self.high is not None:
            bound = f"{'<' if self.high_open else '<='} {_number(self.high)}"
        else:
            bound = "a finite number"
        return f"null or {bound}" if self.optional else bound

    def problem(self, key: str, value: object) -> str | None:
        """Why ``value`` is not allowed at ``key``, or None when it is."""
        if value is None and self.optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{key} must be a number {self.expected()}, got {value!r}"
        if self.contains(value):
            return None
        return f"{key} must be {self.expected()}, got {value!r}"

    def contains(self, value: float) -> bool:
        """Whether a number lies in the range (never NaN or an infinity)."""
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)


def at_least(low: float) -> Range:
    """``>= low``."""
    return Range(low=low)


def above(low: float) -> Range:
    """``> low``."""
    return Range(low=low, low_open=True)


def between(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Range:
    """From ``low`` to ``high``, each end included unless said open."""
    return Range(low=low, high=high, low_open=low_open, high_open=high_open)


def optional(allowed: Range) -> Range:
    """``allowed``, or None."""
    return dataclasses.replace(allowed, optional=True)


#: the ranges that come up again and again
COUNT = at_least(1)
POSITIVE = above(0)
NON_NEGATIVE = at_least(0)
UNIT_INTERVAL = between(0, 1)

FieldRanges = Mapping[str, Range]


def config_problems(config: Any, key: str = "") -> list[str]:
    """Every out-of-range value in ``config`` and the configs nested in it, by dotted key.

    ``config`` is a composed ``DictConfig`` (typed by its dataclass) or a dataclass instance;
    fields left missing (``???``) are not looked at: they are reported as missing elsewhere.
    """
    kind = OmegaConf.get_type(config) if isinstance(config, DictConfig) else type(config)
    ranges: FieldRanges = getattr(kind, "field_ranges", {})
    problems = []
    for name, allowed in ranges.items():
        if not _is_missing(config, name):
            problem = allowed.problem(_join(key, name), _value(config, name))
            if problem is not None:
                problems.append(problem)
    for child_key, child in _children(config, key):
        problems.extend(config_problems(child, child_key))
    return problems


def check_config_ranges(config: Any, key: str) -> None:
    """For a config's ``__post_init__``: raise one ``ConfigError`` listing every problem."""
    raise_problems(config_problems(config, key))


def raise_problems(problems: list[str]) -> None:
    """Raise a ``ConfigError`` holding every problem (none: return)."""
    if len(problems) == 1:
        raise ConfigError(problems[0])
    if problems:
        raise ConfigError(f"{len(problems)} config values are invalid: " + "; ".join(problems))


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _is_missing(config: Any, name: str) -> bool:
    if isinstance(config, DictConfig):
        return name not in config or OmegaConf.is_missing(config, name)
    return getattr(config, name, "???") == "???"


def _value(config: Any, name: str) -> Any:
    return config[name] if isinstance(config, DictConfig) else getattr(config, name)


def _children(config: Any, key: str) -> Iterator[tuple[str, Any]]:
    """The nested configs of a node: the values that are configs, and the items of lists."""
    if isinstance(config, DictConfig):
        names: list[Any] = [name for name in config if not OmegaConf.is_missing(config, name)]
    elif dataclasses.is_dataclass(config) and not isinstance(config, type):
        names = [f.name for f in dataclasses.fields(config)]
    else:
        return
    for name in names:
        child = _value(config, name)
        if isinstance(child, ListConfig | list | tuple):
            for index, item in enumerate(child):
                yield f"{_join(key, str(name))}[{index}]", item
        elif isinstance(child, DictConfig) or (
            dataclasses.is_dataclass(child) and not isinstance(child, type)
        ):
            yield _join(key, str(name)), child
