"""The typed config of a plain reward function, read from its signature (no torch needed:
registering a function must stay cheap)."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Iterable

from alignzoo.errors import PluginError

RewardFunction = Callable[..., float]


def function_config(name: str, function: RewardFunction, config: type | None) -> type:
    """The config dataclass of a reward function: ``config`` checked against the function's
    parameters, or (None) one made from its keyword parameters' annotations and defaults."""
    parameters = list(inspect.signature(function).parameters.values())
    if len(parameters) < 2 or any(
        p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters[:2]
    ):
        raise PluginError(
            f"reward {name!r}: {function.__qualname__} must take (prompt, completion, ...) "
            "as its first two positional parameters"
        )
    options = {p.name: p for p in parameters[2:] if p.kind is not p.VAR_KEYWORD}
    if config is None:  # a parameter without a default is a per-example field of the row
        options = {n: p for n, p in options.items() if p.default is not p.empty}
    if config is not None:
        takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters)
        unknown = [f.name for f in dataclasses.fields(config) if f.name not in options]
        if unknown and not takes_any:
            raise PluginError(
                f"reward {name!r}: config {config.__name__} has field(s) {unknown} that "
                f"{function.__qualname__} does not take as keyword parameters"
            )
        return config
    hints = typing.get_type_hints(function)
    fields = []
    for option in options.values():
        if option.default is inspect.Parameter.empty or option.name not in hints:
            raise PluginError(
                f"reward {name!r}: parameter {option.name!r} of {function.__qualname__} needs "
                "a type annotation to become a config field (or pass config=)"
            )
        fields.append((option.name, hints[option.name], option.default))
    class_name = "".join(part.title() for part in name.split("_")) + "RewardConfig"
    made = dataclasses.make_dataclass(class_name, fields)
    made.__module__ = function.__module__
    made.__doc__ = f"Config of reward={name}: the keyword parameters of {function.__qualname__}."
    return made


def row_parameters(function: RewardFunction, options: Iterable[str]) -> tuple[list[str], bool]:
    """The per-example fields ``function`` names (its parameters after the first two without
    a default that are not config ``options``), and whether it takes every other field
    (``**kwargs``)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())[2:]
    except (TypeError, ValueError):  # a builtin without a signature: it takes no fields
        return [], False
    taken = set(options)
    named = [
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.default is p.empty
        and p.name not in taken
    ]
    return named, any(p.kind is p.VAR_KEYWORD for p in parameters)
