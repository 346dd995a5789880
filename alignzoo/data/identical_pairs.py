"""Pairs whose chosen and rejected completions are the same text teach nothing.

Their log-ratios cancel, so every preference loss sees a margin of exactly zero whatever the
policy does: a data set full of them trains on noise. They are kept (a few are harmless, and
dropping rows silently would shift indices), but the load says how many there are.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from alignzoo.data.records import PreferencePair

#: row indices named in the warning before "..."
SHOWN_ROWS = 5


class IdenticalPairsWarning(UserWarning):
    """Some preference pairs have ``chosen == rejected``."""


def identical_rows(pairs: Sequence[tuple[int, PreferencePair]]) -> list[int]:
    """The row indices of the pairs whose chosen equals rejected."""
    return [row for row, pair in pairs if pair.chosen == pair.rejected]


def warn_identical_pairs(pairs: Sequence[tuple[int, PreferencePair]], source: str) -> None:
    """Warn, with counts and the first rows, when any of ``pairs`` (row, pair) is identical."""
    rows = identical_rows(pairs)
    if not rows:
        return
    shown = ", ".join(str(row) for row in rows[:SHOWN_ROWS])
    more = ", ..." if len(rows) > SHOWN_ROWS else ""
    warnings.warn(
        f"{source}: {len(rows)} of {len(pairs)} preference pairs have chosen identical to "
        f"rejected (rows {shown}{more}); they teach nothing, as no loss can tell the two apart",
        IdenticalPairsWarning,
        stacklevel=3,
    )
