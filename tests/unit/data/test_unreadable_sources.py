"""A source that cannot be read at all (a file in another encoding, an empty dataset
directory) is refused with one ``DataFormatError`` naming it, not a raw library traceback."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from alignzoo.data import load_pairs, load_prompts
from alignzoo.errors import DataFormatError

ROWS = [
    {"prompt": "Q1", "chosen": " yes", "rejected": " no"},
    {"prompt": "Qué tal", "chosen": " très bien", "rejected": " mal"},
]


@pytest.fixture(autouse=True)
def isolated_datasets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep ``datasets`` offline and its cache inside the test's tmp dir."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)


def test_a_latin1_jsonl_file_names_the_file_row_byte_offset_and_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ROWS)
    path.write_bytes(text.encode("latin-1"))
    offset = text.encode("latin-1").index("é".encode("latin-1"))
    with pytest.raises(DataFormatError) as caught:
        load_pairs(str(path))
    message = str(caught.value)
    assert message.startswith("pairs.jsonl, row 1: line 2 is not UTF-8")
    assert f"byte 0xe9 at byte offset {offset} of the file" in message
    assert "UTF-8" in message and "\n" not in message
    assert caught.value.row == 1


def test_the_offset_counts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"prompt": "caf\xe9"}\n')
    with pytest.raises(DataFormatError, match=r"row 0: line 1 .*byte offset 18 of the file"):
        load_prompts(str(path))


def test_utf8_text_beyond_ascii_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), "utf-8")
    assert [pair.prompt for pair in load_pairs(str(path))] == ["Q1", "Qué tal"]


def test_an_empty_dataset_directory_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataFormatError) as caught:
        load_pairs(str(empty))
    message = str(caught.value)
    assert message.startswith(f"{empty}: the directory holds no data files")
    assert ".jsonl" in message and "\n" not in message


def test_a_directory_without_the_split_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "train.jsonl").write_text(json.dumps(ROWS[0]) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=rf"{folder}: could not load split 'nope'"):
        load_pairs(str(folder), split="nope")
