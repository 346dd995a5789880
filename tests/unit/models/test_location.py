"""A model value written as a path is read from disk: a missing directory is said to be one,
not blamed on the characters of a hub id."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignzoo.config.schema import ModelConfig
from alignzoo.errors import ConfigError
from alignzoo.models.loading import load_causal_lm, load_tokenizer
from alignzoo.models.location import looks_local, model_location


@pytest.mark.parametrize(
    ("value", "local"),
    [
        ("/abs/model", True),
        ("./model", True),
        ("../model", True),
        ("~/model", True),
        (".", True),
        ("Qwen/Qwen2.5-0.5B", False),
        ("gpt2", False),
        ("owner/name.v2", False),
    ],
)
def test_what_counts_as_a_local_path(value: str, local: bool) -> None:
    assert looks_local(value) is local


def test_a_home_relative_directory_is_expanded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "my-model").mkdir()
    assert model_location("~/my-model", "model.name_or_path") == str(tmp_path / "my-model")
    assert model_location("owner/name", "model.name_or_path") == "owner/name"


@pytest.mark.parametrize("load", [load_tokenizer, load_causal_lm])
def test_loading_from_a_missing_directory_names_the_key_and_the_directory(load: object) -> None:
    with pytest.raises(ConfigError) as raised:
        load("/nonexistent/model", ModelConfig())  # type: ignore[operator]
    message = str(raised.value)
    assert message.startswith("model.name_or_path='/nonexistent/model': the local directory")
    assert "does not exist" in message and "Repo id" not in message
