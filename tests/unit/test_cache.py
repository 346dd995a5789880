"""Unit tests for ``cached_directory``: build once, keyed by spec, atomic on failure."""

from __future__ import annotations

import json

import pytest

from alignzoo.cache import cache_root, cached_directory


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets its own cache root; nothing touches the user's cache."""
    root = tmp_path / "cache"
    monkeypatch.setenv("ALIGNZOO_CACHE", str(root))
    return root


class Builder:
    """Counts builds and writes one file."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, directory) -> None:
        self.calls += 1
        (directory / "artefact.txt").write_text(f"build {self.calls}")


def test_builds_once_and_returns_same_path(cache):
    build = Builder()
    first = cached_directory("thing", {"a": 1, "b": [1, 2]}, build)
    second = cached_directory("thing", {"b": [1, 2], "a": 1}, build)  # key order irrelevant
    assert first == second
    assert build.calls == 1
    assert (first / "artefact.txt").read_text() == "build 1"
    assert json.loads((first / "spec.json").read_text()) == {"a": 1, "b": [1, 2]}


def test_different_spec_different_path(cache):
    build = Builder()
    one = cached_directory("thing", {"a": 1}, build)
    two = cached_directory("thing", {"a": 2}, build)
    other_kind = cached_directory("other", {"a": 1}, build)
    assert len({one, two, other_kind}) == 3
    assert build.calls == 3


def test_honours_alignzoo_cache(cache):
    path = cached_directory("thing", {"a": 1}, Builder())
    assert cache_root() == cache
    assert path.parent == cache / "thing"
    assert path.is_dir()


def test_xdg_fallback(tmp_path, monkeypatch):
    monkeypatch.delenv("ALIGNZOO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "alignzoo"


def test_failed_build_leaves_no_entry(cache):
    def broken(directory) -> None:
        (directory / "half.txt").write_text("half")
        raise RuntimeError("build failed")

    with pytest.raises(RuntimeError, match="build failed"):
        cached_directory("thing", {"a": 1}, broken)
    assert list((cache / "thing").iterdir()) == []  # neither the entry nor a temp dir

    build = Builder()
    path = cached_directory("thing", {"a": 1}, build)
    assert build.calls == 1
    assert not (path / "half.txt").exists()
    assert (path / "artefact.txt").exists()
