"""Pairs whose chosen and rejected completions are the same text teach nothing.

Their log-ratios cancel, so every preference loss sees a margin of exactly zero whatever the
policy does: a data set full of them trains on noise. They are kept (a few are harmless, and
dropping rows silently would shift indices), but the load says how many there are; when every
training pair is one, a run whose algorithm compares the two completions is refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from alignzoo.data.records import PreferencePair
from alignzoo.errors import DataFormatError

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


def refuse_when_no_pair_teaches(
    pairs: Sequence[PreferencePair], source: str, algorithm: str
) -> None:
    """Refuse training pairs that are all identical: an algorithm that learns from how chosen
    and rejected differ would run to the end on a zero margin and report nothing wrong."""
    if not pairs or any(pair.chosen != pair.rejected for pair in pairs):
        return
    raise DataFormatError(
        source,
        None,
        "rejected",
        f"every one of the {len(pairs)} training pairs has rejected identical to chosen, so "
        f"no row can teach algorithm={algorithm}, which learns from how the two differ; give "
        "pairs whose chosen and rejected differ",
    )
