"""A file that starts with a UTF-8 byte-order mark (as some Windows editors save) loads like
one without: the mark is not part of the first key, nor a JSON syntax error."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from alignzoo.data import PreferencePair, PromptRecord, load_pairs, load_prompts

BOM = "\ufeff"
ROWS = [
    {"prompt": "Q1", "chosen": " yes", "rejected": " no"},
    {"prompt": "Q2", "chosen": " up", "rejected": " down"},
]
PAIRS = [PreferencePair("Q1", " yes", " no"), PreferencePair("Q2", " up", " down")]
TEXTS = {
    "jsonl": "".join(json.dumps(row) + "\n" for row in ROWS),
    "json": json.dumps(ROWS),
    "csv": "prompt,chosen,rejected\nQ1, yes, no\nQ2, up, down\n",
}


@pytest.fixture(autouse=True)
def isolated_datasets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep ``datasets`` offline and its cache inside the test's tmp dir."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)


@pytest.mark.parametrize("fmt", sorted(TEXTS))
def test_a_leading_byte_order_mark_is_read_past(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"pairs.{fmt}"
    path.write_bytes((BOM + TEXTS[fmt]).encode("utf-8"))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_pairs(str(path)) == PAIRS
    assert load_prompts(str(path)) == [PromptRecord("Q1"), PromptRecord("Q2")]


def test_a_mark_inside_the_text_is_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    row = {"prompt": "Q", "chosen": BOM + "a", "rejected": "b"}
    path.write_text(BOM + json.dumps(row) + "\n", encoding="utf-8")
    assert load_pairs(str(path)) == [PreferencePair("Q", BOM + "a", "b")]
