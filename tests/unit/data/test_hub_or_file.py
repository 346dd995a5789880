"""The ``hf`` data source: splits, held-out fraction, prompt-only files and bad settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alignzoo.data.hub_or_file import HubOrFileData
from alignzoo.data.hub_or_file_config import HubOrFileDataConfig, RecordKind
from alignzoo.errors import ConfigError, DataFormatError


def _write_pairs(path: Path, count: int) -> Path:
    rows = [
        {"prompt": f"p{i}", "chosen": f" good {i}", "rejected": f" bad {i}"} for i in range(count)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_heldout_fraction_splits_train_disjointly_and_reproducibly(tmp_path: Path) -> None:
    path = _write_pairs(tmp_path / "pairs.jsonl", 40)
    data = HubOrFileData(HubOrFileDataConfig(path=str(path), heldout_fraction=0.25, seed=3))
    train, heldout = data.preference_pairs("train"), data.preference_pairs("heldout")
    assert len(train) == 30 and len(heldout) == 10
    assert not {p.prompt for p in train} & {p.prompt for p in heldout}
    again = HubOrFileData(HubOrFileDataConfig(path=str(path), heldout_fraction=0.25, seed=3))
    assert again.preference_pairs("heldout") == heldout
    assert [p.prompt for p in data.prompts("heldout")] == [p.prompt for p in heldout]


def test_named_heldout_split_is_read_from_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def fake_load_pairs(
        source: str, split: str, tokenizer: object, limit: object, **options
    ) -> list:
        asked.append(split)
        return []

    monkeypatch.setattr("alignzoo.data.hub_or_file.load_pairs", fake_load_pairs)
    data = HubOrFileData(HubOrFileDataConfig(path="org/set", heldout_split="test"))
    data.preference_pairs("train")
    data.preference_pairs("heldout")
    assert asked == ["train", "test"]


def test_prompt_only_files_give_prompts_and_no_pairs(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"q{i}"}) + "\n" for i in range(10)))
    data = HubOrFileData(
        HubOrFileDataConfig(path=str(path), kind=RecordKind.prompts, heldout_fraction=0.2)
    )
    assert data.preference_pairs("heldout") == []
    assert len(data.prompts("train")) == 8


def test_bad_heldout_fraction_names_the_field() -> None:
    with pytest.raises(ConfigError, match="data.heldout_fraction"):
        HubOrFileData(HubOrFileDataConfig(path="x.jsonl", heldout_fraction=1.5))


def test_malformed_row_surfaces_with_file_and_row(tmp_path: Path) -> None:
    path = _write_pairs(tmp_path / "pairs.jsonl", 3)
    with path.open("a") as handle:
        handle.write(json.dumps({"prompt": "p", "chosen": 5, "rejected": " r"}) + "\n")
    with pytest.raises(DataFormatError, match=r"pairs.jsonl, row 3, field 'chosen'"):
        HubOrFileData(HubOrFileDataConfig(path=str(path))).preference_pairs("train")


def test_a_feedback_file_gives_feedback_and_prompts_and_no_pairs(tmp_path: Path) -> None:
    rows = [{"prompt": f"p{i}", "completion": f" c{i}", "label": i % 2 == 0} for i in range(20)]
    path = tmp_path / "feedback.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = HubOrFileDataConfig(path=str(path), kind=RecordKind.feedback, heldout_fraction=0.25)
    data = HubOrFileData(config)
    train = data.feedback("train")
    assert len(train) == 15 and len(data.feedback("heldout")) == 5
    assert {r.desirable for r in train} == {True, False}
    assert data.preference_pairs("train") == [] and len(data.prompts("train")) == 15


def test_pair_files_give_feedback_two_rows_a_pair(tmp_path: Path) -> None:
    path = _write_pairs(tmp_path / "pairs.jsonl", 10)
    data = HubOrFileData(HubOrFileDataConfig(path=str(path), heldout_fraction=0.1))
    feedback = data.feedback("train")
    assert sum(r.desirable for r in feedback) == sum(not r.desirable for r in feedback)


def test_shp_pairs_below_the_minimum_score_ratio_are_left_out(tmp_path: Path) -> None:
    rows = [
        {"history": f"h{i}", "human_ref_A": "a", "human_ref_B": "b", "labels": 1, "score_ratio": r}
        for i, r in enumerate([1.0, 1.5, 2.0, 3.0, 8.0])
    ]
    path = tmp_path / "shp.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = HubOrFileDataConfig(path=str(path), heldout_split="train", min_score_ratio=2.0)
    pairs = HubOrFileData(config).preference_pairs("train")
    assert [p.prompt.strip() for p in pairs] == ["h2", "h3", "h4"]
