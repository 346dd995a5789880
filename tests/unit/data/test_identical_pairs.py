"""Pairs whose chosen equals rejected teach nothing: loading keeps them and says how many."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from alignzoo.data import PreferencePair, load_pairs
from alignzoo.data.identical_pairs import IdenticalPairsWarning, warn_identical_pairs


def _jsonl(path: Path, rows: list[dict[str, str]]) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


def test_identical_pairs_are_counted_with_their_rows(tmp_path: Path) -> None:
    rows = [
        {"prompt": "Q0", "chosen": " yes", "rejected": " no"},
        {"prompt": "Q1", "chosen": " same", "rejected": " same"},
        {"prompt": "Q2", "chosen": " up", "rejected": " down"},
        {"prompt": "Q3", "chosen": "", "rejected": ""},
    ]
    path = _jsonl(tmp_path / "pairs.jsonl", rows)
    with pytest.warns(IdenticalPairsWarning) as caught:
        pairs = load_pairs(path)
    assert len(pairs) == 4  # kept: dropping rows silently would shift every index after
    [warning] = caught
    message = str(warning.message)
    assert message.startswith("pairs.jsonl: 2 of 4 preference pairs")
    assert "(rows 1, 3)" in message


def test_distinct_pairs_load_without_a_warning(tmp_path: Path) -> None:
    rows = [{"prompt": "Q", "chosen": " a", "rejected": " b"}]
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdenticalPairsWarning)
        assert load_pairs(_jsonl(tmp_path / "pairs.jsonl", rows)) == [
            PreferencePair("Q", " a", " b")
        ]


def test_a_long_list_of_rows_is_cut_short() -> None:
    pairs = [(i, PreferencePair("p", "x", "x")) for i in range(9)]
    with pytest.warns(IdenticalPairsWarning, match=r"9 of 9 .*\(rows 0, 1, 2, 3, 4, \.\.\.\)"):
        warn_identical_pairs(pairs, "big.jsonl")
