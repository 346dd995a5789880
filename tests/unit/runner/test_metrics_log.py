"""Unit tests for ``MetricsLog``: appended JSON lines, non-finite floats as null."""

from __future__ import annotations

import json

from alignzoo.runner.metrics_log import MetricsLog


def read(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_lines_appended_as_valid_json(tmp_path):
    path = tmp_path / "run" / "metrics.jsonl"
    log = MetricsLog(path)
    assert path.parent.is_dir()
    log.write(0, {"loss": 1.5, "name": "dpo"})
    log.write(10, {"loss": 0.25, "count": 3})
    assert read(path) == [
        {"step": 0, "loss": 1.5, "name": "dpo"},
        {"step": 10, "loss": 0.25, "count": 3},
    ]
    assert path.read_text(encoding="utf-8").endswith("\n")


def test_appends_across_instances(tmp_path):
    path = tmp_path / "metrics.jsonl"
    MetricsLog(path).write(1, {"a": 1.0})
    MetricsLog(path).write(2, {"a": 2.0})
    assert [row["step"] for row in read(path)] == [1, 2]


def test_non_finite_becomes_null(tmp_path):
    path = tmp_path / "metrics.jsonl"
    MetricsLog(path).write(
        5, {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "ok": 0.5}
    )
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert read(path) == [{"step": 5, "nan": None, "inf": None, "ninf": None, "ok": 0.5}]

    # strict parsing (no NaN/Infinity constants) accepts the file
    def reject(name):
        raise ValueError(name)

    json.loads(text, parse_constant=reject)


def test_truncating_after_a_step_drops_the_later_lines_only(tmp_path) -> None:
    log = MetricsLog(tmp_path / "metrics.jsonl")
    for step in (0, 1, 2, 2, 3):
        log.write(step, {"loss": float(step)})
    log.truncate_after(2)
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [0, 1, 2, 2]
