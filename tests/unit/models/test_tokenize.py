"""Unit tests for ``tokenize_completions``: boundary, masks, padding and truncation."""

from __future__ import annotations

import pytest
import torch

from alignzoo.models.tokenize import tokenize_completions
from alignzoo.tasks.sentiment.base_model import build_tokenizer

PROMPT = "yesterday i watched the movie and"
COMPLETION = "the plot was great ."


@pytest.fixture(scope="module")
def tok():
    return build_tokenizer()


def ids(tok, text: str) -> list[int]:
    """Word ids of ``text`` without special tokens."""
    return tok(text, add_special_tokens=False)["input_ids"]


def test_boundary_and_completion_mask_exact(tok):
    batch = tokenize_completions(tok, [PROMPT], [COMPLETION], max_length=64)
    prompt = [tok.bos_token_id, *ids(tok, PROMPT)]
    completion = [*ids(tok, COMPLETION), tok.eos_token_id]
    assert batch.input_ids.tolist() == [prompt + completion]
    assert batch.completion_mask.tolist() == [[0] * len(prompt) + [1] * len(completion)]
    assert batch.attention_mask.tolist() == [[1] * (len(prompt) + len(completion))]
    assert batch.input_ids.dtype == torch.long
    assert tok.unk_token_id not in batch.input_ids.tolist()[0]


def test_right_padding_and_attention_mask(tok):
    prompts, completions = ["i", PROMPT], ["it was good .", "the plot was not bad ."]
    batch = tokenize_completions(tok, prompts, completions, max_length=64)
    rows = [
        [tok.bos_token_id, *ids(tok, p), *ids(tok, c), tok.eos_token_id]
        for p, c in zip(prompts, completions, strict=True)
    ]
    width = max(len(r) for r in rows)
    assert batch.input_ids.shape == (2, width)
    for i, row in enumerate(rows):
        pad = width - len(row)
        assert batch.input_ids[i].tolist() == row + [tok.pad_token_id] * pad
        assert batch.attention_mask[i].tolist() == [1] * len(row) + [0] * pad
        n_prompt = 1 + len(ids(tok, prompts[i]))
        assert batch.completion_mask[i].tolist() == (
            [0] * n_prompt + [1] * (len(row) - n_prompt) + [0] * pad
        )
    # the shorter row is padded
    assert batch.attention_mask[0].sum() < width


def test_append_eos_false(tok):
    batch = tokenize_completions(tok, [PROMPT], [COMPLETION], max_length=64, append_eos=False)
    prompt = [tok.bos_token_id, *ids(tok, PROMPT)]
    assert batch.input_ids.tolist() == [prompt + ids(tok, COMPLETION)]
    assert tok.eos_token_id not in batch.input_ids.tolist()[0]
    assert batch.completion_mask.tolist() == [[0] * len(prompt) + [1] * len(ids(tok, COMPLETION))]


def test_truncation_cuts_prompt_from_left(tok):
    prompt = [tok.bos_token_id, *ids(tok, PROMPT)]
    completion = [*ids(tok, COMPLETION), tok.eos_token_id]
    max_length = len(completion) + 3
    batch = tokenize_completions(tok, [PROMPT], [COMPLETION], max_length=max_length)
    assert batch.input_ids.tolist() == [prompt[-3:] + completion]
    assert batch.completion_mask.tolist() == [[0] * 3 + [1] * len(completion)]
    assert batch.attention_mask.tolist() == [[1] * max_length]


def test_long_completion_cut_from_right_keeps_one_prompt_token(tok):
    prompt = [tok.bos_token_id, *ids(tok, PROMPT)]
    completion = [*ids(tok, COMPLETION), tok.eos_token_id]
    max_length = 4
    batch = tokenize_completions(tok, [PROMPT], [COMPLETION], max_length=max_length)
    assert batch.input_ids.tolist() == [prompt[-1:] + completion[: max_length - 1]]
    assert batch.completion_mask.tolist() == [[0] + [1] * (max_length - 1)]


def test_truncation_is_per_row(tok):
    completion = [*ids(tok, COMPLETION), tok.eos_token_id]
    max_length = len(completion) + 2
    batch = tokenize_completions(tok, ["i", PROMPT], [COMPLETION] * 2, max_length=max_length)
    short = [tok.bos_token_id, *ids(tok, "i"), *completion]
    long = [*ids(tok, PROMPT)[-2:], *completion]
    assert batch.input_ids.tolist() == [short, long]
    assert batch.completion_mask[:, -len(completion) :].eq(1).all()
    assert batch.completion_mask.sum(1).tolist() == [len(completion)] * 2
