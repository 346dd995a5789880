"""Unit tests for ``sample_completions`` on a tiny random Llama."""

from __future__ import annotations

import math

import pytest
import torch

from alignzoo.config.schema import SamplingConfig
from alignzoo.models.generation import (
    _completion_rows,
    completions_ended,
    sample_completions,
    stop_token_ids,
)

PROMPTS = ["yesterday i watched the movie and", "i", "last week we checked in :", "we", "i saw"]
SAMPLING = SamplingConfig(max_new_tokens=6)


@pytest.fixture
def model(tiny_llama):
    return tiny_llama()


@pytest.fixture
def eos_prone_model(model, tok):
    """Next-token distribution fixed by a bias: EOS with p=0.4, never pad, else uniform."""
    head = torch.nn.Linear(model.config.hidden_size, len(tok), bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        others = len(tok) - 2  # all but pad and EOS
        head.bias[tok.eos_token_id] = math.log(0.4 / 0.6 * others)
        head.bias[tok.pad_token_id] = -1e4
    model.lm_head = head
    return model


def sample(model, tok, seed=0, prompts=PROMPTS, batch_size=2):
    return sample_completions(model, tok, prompts, SAMPLING, batch_size=batch_size, seed=seed)


def test_one_text_per_prompt(model, tok):
    texts, rows = sample(model, tok)
    assert len(texts) == len(PROMPTS)
    assert all(isinstance(t, str) for t in texts)
    assert rows.input_ids.shape[0] == len(PROMPTS)
    assert rows.attention_mask.shape == rows.completion_mask.shape == rows.input_ids.shape


def test_same_seed_same_texts(model, tok):
    first, rows_a = sample(model, tok, seed=7)
    second, rows_b = sample(model, tok, seed=7)
    assert first == second
    assert torch.equal(rows_a.input_ids, rows_b.input_ids)


def test_different_seed_different_texts(model, tok):
    assert sample(model, tok, seed=1)[0] != sample(model, tok, seed=2)[0]


@pytest.mark.parametrize("seed", [3, None])
def test_global_rng_untouched(model, tok, seed):
    torch.manual_seed(123)
    sample(model, tok, seed=seed)
    after = torch.rand(4)
    torch.manual_seed(123)
    assert torch.equal(after, torch.rand(4))


def test_padding_side_and_training_mode_restored(model, tok):
    tok.padding_side = "right"
    model.train()
    sample(model, tok)
    assert tok.padding_side == "right"
    assert model.training


def test_padding_side_restored_when_generate_raises(model, tok, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(model, "generate", broken)
    tok.padding_side = "right"
    with pytest.raises(RuntimeError, match="boom"):
        sample(model, tok)
    assert tok.padding_side == "right"


def test_completion_mask_covers_tokens_up_to_first_eos(eos_prone_model, tok):
    texts, rows = sample(eos_prone_model, tok, seed=0, batch_size=3)
    eos = tok.eos_token_id
    n_prompt = {i: len(tok(p)["input_ids"]) for i, p in enumerate(PROMPTS)}
    ended_early = 0
    for i, text in enumerate(texts):
        ids = rows.input_ids[i].tolist()
        attn = rows.attention_mask[i].tolist()
        comp = rows.completion_mask[i].tolist()
        # left-padded prompt, then the sampled tokens, then right padding between chunks
        start = attn.index(1)
        first_new = start + n_prompt[i]
        assert ids[start:first_new] == tok(PROMPTS[i])["input_ids"]
        assert comp[:first_new] == [0] * first_new
        new = ids[first_new:]
        expected = []
        for token in new:
            expected.append(1)
            if token == eos:
                break
        expected += [0] * (len(new) - len(expected))
        assert comp[first_new:] == expected
        assert attn[first_new:] == expected
        assert attn[:start] == [0] * start
        scored = [t for t, m in zip(ids, comp, strict=True) if m]
        assert text == tok.decode(scored, skip_special_tokens=True)
        if eos in scored:
            assert scored.index(eos) == len(scored) - 1
            ended_early += len(scored) < SAMPLING.max_new_tokens
        else:
            assert len(scored) == SAMPLING.max_new_tokens
    assert ended_early > 0  # the bias did force early EOS somewhere


def test_completion_rows_hand_made():
    prompt_mask = torch.tensor([[0, 1, 1], [1, 1, 1], [1, 1, 1], [0, 0, 1]])
    new = torch.tensor([[5, 2, 0, 0], [5, 6, 7, 8], [2, 0, 0, 0], [5, 2, 5, 2]])
    output = torch.cat([torch.full((4, 3), 9), new], dim=1)
    rows = _completion_rows(prompt_mask, output, new, [2])
    new_mask = [[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 0, 0]]
    assert rows.completion_mask.tolist() == [[0, 0, 0, *m] for m in new_mask]
    assert rows.attention_mask.tolist() == [
        [*p, *m] for p, m in zip(prompt_mask.tolist(), new_mask, strict=True)
    ]
    assert torch.equal(rows.input_ids, output)


def test_a_stop_token_of_the_generation_config_ends_a_completion(model, tok):
    """A chat model's end-of-turn token, named only by its generation config, stops sampling
    and masks what follows, as the tokenizer's EOS does (generate was told the EOS only)."""
    turn_end = tok.convert_tokens_to_ids("movie")
    head = torch.nn.Linear(model.config.hidden_size, len(tok), bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        head.bias[turn_end] = math.log(0.4 / 0.6 * (len(tok) - 1))  # p = 0.4
        head.bias[tok.eos_token_id] = -1e4  # only the config's token can end a completion
    model.lm_head = head
    model.generation_config.eos_token_id = [tok.eos_token_id, turn_end]
    assert stop_token_ids(model, tok) == [tok.eos_token_id, turn_end]
    _, rows = sample(model, tok, seed=0, batch_size=5)
    ended = completions_ended(rows, stop_token_ids(model, tok))
    for i in range(len(PROMPTS)):
        sampled = rows.input_ids[i][rows.completion_mask[i] > 0].tolist()
        assert turn_end not in sampled[:-1]  # nothing kept after it
        assert bool(ended[i]) == (sampled[-1] == turn_end)
        if not ended[i]:
            assert len(sampled) == SAMPLING.max_new_tokens
    assert ended.sum() > 0
