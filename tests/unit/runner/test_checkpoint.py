"""Unit tests for ``save_policy``: a complete checkpoint, replaced atomically."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from alignzoo.runner.checkpoint import save_policy


def assert_same_weights(loaded, model) -> None:
    expected = model.state_dict()
    got = loaded.state_dict()
    assert got.keys() == expected.keys()
    for name, tensor in expected.items():
        assert torch.equal(got[name], tensor), name


def test_writes_complete_checkpoint(tok, tiny_llama, tmp_path):
    model = tiny_llama(0)
    target = save_policy(model, tok, tmp_path / "policy")
    assert target == tmp_path / "policy"
    names = {p.name for p in target.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer_config.json"} <= names
    assert "tokenizer.json" in names
    assert not any(n.endswith(".bin") for n in names)
    assert_same_weights(AutoModelForCausalLM.from_pretrained(target), model)
    loaded_tok = AutoTokenizer.from_pretrained(target)
    text = "yesterday i watched the movie and it was great ."
    assert loaded_tok(text)["input_ids"] == tok(text)["input_ids"]
    assert loaded_tok.pad_token_id == tok.pad_token_id


def test_saving_twice_replaces(tok, tiny_llama, tmp_path):
    first, second = tiny_llama(0), tiny_llama(1)
    target = save_policy(first, tok, tmp_path / "policy")
    (target / "stale.txt").write_text("from the first save")
    save_policy(second, tok, target)
    assert not (target / "stale.txt").exists()  # replaced, not merged
    assert_same_weights(AutoModelForCausalLM.from_pretrained(target), second)
    assert [p.name for p in tmp_path.iterdir()] == ["policy"]  # no staging or retired dirs


def test_failed_save_keeps_previous_checkpoint(tok, tiny_llama, tmp_path, monkeypatch):
    good = tiny_llama(0)
    target = save_policy(good, tok, tmp_path / "policy")
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    broken = tiny_llama(1)

    def crash_midway(directory, *args, **kwargs):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "model.safetensors").write_bytes(b"partial")
        (directory / "config.json").write_text("{")
        raise OSError("disk full")

    monkeypatch.setattr(broken, "save_pretrained", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        save_policy(broken, tok, target)

    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert_same_weights(AutoModelForCausalLM.from_pretrained(target), good)
    # whatever the failed save left beside the checkpoint is hidden and not named like it
    others = [p.name for p in tmp_path.iterdir() if p.name != "policy"]
    assert all(name.startswith(".") for name in others), others
    assert [p.name for p in tmp_path.glob("policy*")] == ["policy"]

    # the next good save clears the leftovers
    third = tiny_llama(2)
    save_policy(third, tok, target)
    assert [p.name for p in tmp_path.iterdir()] == ["policy"]
    assert_same_weights(AutoModelForCausalLM.from_pretrained(target), third)
