"""Real files in every supported format load end to end; hub ids go to ``datasets``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import datasets
import pytest

from alignzoo.data import PreferencePair, PromptRecord, load_pairs, load_prompts, loading
from alignzoo.errors import DataFormatError

ROWS = [
    {"prompt": "Q1", "chosen": " yes", "rejected": " no"},
    {"prompt": "Q2", "chosen": " up", "rejected": " down"},
]
PAIRS = [PreferencePair("Q1", " yes", " no"), PreferencePair("Q2", " up", " down")]


@pytest.fixture(autouse=True)
def isolated_datasets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep ``datasets`` offline and its cache inside the test's tmp dir."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_json(path: Path, rows: list[Any]) -> Path:
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[Any]) -> Path:
    datasets.Dataset.from_list(rows).to_parquet(str(path))
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


WRITERS = {"jsonl": write_jsonl, "json": write_json, "parquet": write_parquet, "csv": write_csv}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_pairs_load_from_every_file_format(tmp_path: Path, fmt: str) -> None:
    path = WRITERS[fmt](tmp_path / f"pairs.{fmt}", ROWS)
    assert load_pairs(str(path)) == PAIRS
    assert load_prompts(str(path)) == [PromptRecord("Q1"), PromptRecord("Q2")]
    assert load_pairs(str(path), limit=1) == PAIRS[:1]


def test_nested_rows_survive_json_and_parquet(tmp_path: Path) -> None:
    row = {
        "info": {"post": "P", "title": "T", "subreddit": "s"},
        "summaries": [{"text": "a"}, {"text": "b"}],
        "choice": 1,
    }
    expected = [PreferencePair("SUBREDDIT: r/s\nTITLE: T\nPOST: P\n\nTL;DR:", " b", " a")]
    assert load_pairs(str(write_json(tmp_path / "c.json", [row]))) == expected
    assert load_pairs(str(write_parquet(tmp_path / "c.parquet", [row]))) == expected


def test_prompt_only_jsonl_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_text('{"prompt": "a"}\n\n{"prompt": "b"}\n', encoding="utf-8")
    assert load_prompts(str(path)) == [PromptRecord("a"), PromptRecord("b")]


def test_bad_jsonl_line_names_file_row_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"prompt": "a"}\n\n{"prompt": \n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"^bad\.jsonl, row 1: line 3 is not valid JSON"):
        load_prompts(str(path))


def test_malformed_row_in_file_names_file_row_and_field(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "pairs.jsonl", [ROWS[0], {"prompt": "Q", "chosen": 1, "rejected": "r"}]
    )
    with pytest.raises(
        DataFormatError, match=r"^pairs\.jsonl, row 1, field 'chosen': expected a string, got int"
    ):
        load_pairs(str(path))
    csv_path = write_csv(tmp_path / "p.csv", [{"prompt": "Q", "chosen": "c"}])
    with pytest.raises(DataFormatError, match=r"^p\.csv, row 0, field 'rejected': missing field"):
        load_pairs(str(csv_path))


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_empty_source_has_no_rows(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty.{fmt}"
    path.write_text("" if fmt == "jsonl" else "[]", encoding="utf-8")
    with pytest.raises(DataFormatError, match=rf"^empty\.{fmt}: has no rows"):
        load_pairs(str(path))


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "pairs.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(
        DataFormatError,
        match=r"pairs\.txt: unsupported file type; expected one of "
        r"\.jsonl, \.json, \.parquet, \.csv",
    ):
        load_pairs(str(path))


@pytest.mark.parametrize("name", ["./missing.jsonl", "missing.csv", "data/missing.json", "x.txt"])
def test_missing_local_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(loading, "_load_dataset", pytest.fail)
    with pytest.raises(
        DataFormatError, match=r"no such file; expected .*\.jsonl, \.json, \.parquet, \.csv"
    ):
        load_pairs(name)


def test_unreadable_parquet_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(DataFormatError, match=r"^broken\.parquet: could not read as parquet"):
        load_pairs(str(path))


@pytest.mark.parametrize("name", ["Anthropic/hh-rlhf", "imdb", "allenai/tulu-3.1"])
def test_hub_ids_go_to_load_dataset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def fake_load_dataset(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        calls.append((args, kwargs))
        return [
            {"chosen": "\n\nHuman: Hi\n\nAssistant: A", "rejected": "\n\nHuman: Hi\n\nAssistant: B"}
        ]

    monkeypatch.setattr(loading, "_load_dataset", fake_load_dataset)
    pairs = load_pairs(name, split="test")
    assert calls == [((name,), {"split": "test"})]
    assert pairs == [PreferencePair("\n\nHuman: Hi\n\nAssistant:", " A", " B")]
    _rows, display = loading.read_rows(name)
    assert display == name and calls[-1] == ((name,), {"split": "train"})


def test_local_directory_goes_to_load_dataset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(
        loading, "_load_dataset", lambda src, split: seen.append((src, split)) or ROWS
    )
    assert load_pairs(str(tmp_path), split="validation") == PAIRS
    assert seen == [(str(tmp_path), "validation")]


def test_limit_must_be_positive(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "pairs.jsonl", ROWS)
    with pytest.raises(ValueError, match="limit"):
        load_pairs(str(path), limit=0)


def test_a_jsonl_file_is_read_without_importing_datasets(tmp_path: Path) -> None:
    """``datasets`` brings pyarrow and pandas (about 85 MB resident): JSONL needs neither."""
    path = write_jsonl(tmp_path / "pairs.jsonl", ROWS)
    script = (
        "import sys\nfrom alignzoo.data.loading import load_pairs\n"
        f"print(len(load_pairs({str(path)!r})), 'datasets' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [str(len(PAIRS)), "False"]
