"""Unit tests for ``save_policy``: a complete checkpoint, replaced atomically."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

from alignzoo.runner.checkpoint import save_policy
from alignzoo.tasks.sentiment.base_model import build_tokenizer


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny matrices: one intra-op thread avoids oversubscription on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tok():
    return build_tokenizer()


def make_model(tok, seed: int) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    return LlamaForCausalLM(config).eval()


def assert_same_weights(loaded, model) -> None:
    expected = model.state_dict()
    got = loaded.state_dict()
    assert got.keys() == expected.keys()
    for name, tensor in expected.items():
        assert torch.equal(got[name], tensor), name


def test_writes_complete_checkpoint(tok, tmp_path):
    model = make_model(tok, 0)
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


def test_saving_twice_replaces(tok, tmp_path):
    first, second = make_model(tok, 0), make_model(tok, 1)
    target = save_policy(first, tok, tmp_path / "policy")
    (target / "stale.txt").write_text("from the first save")
    save_policy(second, tok, target)
    assert not (target / "stale.txt").exists()  # replaced, not merged
    assert_same_weights(AutoModelForCausalLM.from_pretrained(target), second)
    assert [p.name for p in tmp_path.iterdir()] == ["policy"]  # no staging or retired dirs


def test_failed_save_keeps_previous_checkpoint(tok, tmp_path, monkeypatch):
    good = make_model(tok, 0)
    target = save_policy(good, tok, tmp_path / "policy")
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    broken = make_model(tok, 1)

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
    third = make_model(tok, 2)
    save_policy(third, tok, target)
    assert [p.name for p in tmp_path.iterdir()] == ["policy"]
    assert_same_weights(AutoModelForCausalLM.from_pretrained(target), third)
