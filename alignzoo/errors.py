"""Errors that name what is at fault, so a user can fix their input without reading our code."""

from __future__ import annotations


class AlignzooError(Exception):
    """Base class of every error alignzoo raises on purpose."""


class DataFormatError(AlignzooError, ValueError):
    """A data row (or file) does not have the shape we expected.

    The message always names the source, the row index and the field, e.g.
    ``pairs.jsonl, row 17, field 'chosen': expected a string, got int``.
    """

    def __init__(self, source: str, row: int | None, field: str | None, problem: str) -> None:
        self.source, self.row, self.field, self.problem = source, row, field, problem
        where = [source]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


class PluginError(AlignzooError):
    """A plugin failed to load, register, or clashes with another plugin."""


class ConfigError(AlignzooError, ValueError):
    """A configuration value is missing, mistyped or inconsistent."""


class RunFolderTaken(ConfigError):
    """The run's folder holds the results of a run of another configuration: refused, so
    that nothing of that run is written over (not even a ``failure.json``)."""


class RunInterrupted(AlignzooError):
    """SIGINT or SIGTERM stopped a run after a step; a checkpoint to resume from was saved."""

    def __init__(self, message: str, signal_number: int) -> None:
        self.signal_number = signal_number
        super().__init__(message)


class TrainingDiverged(AlignzooError):
    """Too many training steps in a row had a non-finite loss, reward or gradient norm."""
