"""Unit tests for ``token_logprobs`` / ``sequence_logprobs`` on a tiny random Llama."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close
from transformers import GPT2Config, GPT2LMHeadModel

from alignzoo.models.logprobs import sequence_logprobs, token_logprobs
from alignzoo.models.tokenize import TokenizedCompletions, tokenize_completions

PROMPTS = ["yesterday i watched the movie and", "i", "last week we checked in :"]
COMPLETIONS = ["the plot was great .", "it was a very dull experience .", "the room was quiet ."]


@pytest.fixture
def model(tiny_llama):
    return tiny_llama()


@pytest.fixture
def gpt2(tok):
    """Learned absolute position embeddings: unlike RoPE, a shift of positions changes scores."""
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tok),
        n_embd=32,
        n_layer=1,
        n_head=2,
        n_positions=64,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    return GPT2LMHeadModel(config).eval()


def left_padded(batch: TokenizedCompletions, pad_id: int, extra: int = 0) -> TokenizedCompletions:
    """The same rows as the right-padded ``batch``, padded on the left instead (plus ``extra``)."""
    lengths = batch.attention_mask.sum(1).tolist()
    width = batch.input_ids.shape[1] + extra
    out = [torch.full((len(lengths), width), pad_id, dtype=torch.long)]
    out += [torch.zeros((len(lengths), width), dtype=torch.long) for _ in range(2)]
    for i, n in enumerate(lengths):
        for dst, src in zip(
            out, (batch.input_ids, batch.attention_mask, batch.completion_mask), strict=True
        ):
            dst[i, width - n :] = src[i, :n]
    return TokenizedCompletions(*out)


def test_matches_hand_loop_for_one_row(tok, model):
    batch = tokenize_completions(tok, PROMPTS[:1], COMPLETIONS[:1], max_length=64)
    ids, mask = batch.input_ids, batch.completion_mask
    with torch.no_grad():
        logp = torch.log_softmax(model(ids).logits.float(), dim=-1)[0]
        expected = sum(logp[t - 1, ids[0, t]] for t in range(1, ids.shape[1]) if mask[0, t])
        got = sequence_logprobs(model, batch)
    assert got.shape == (1,)
    assert_close(got[0], expected, rtol=1e-5, atol=1e-5)
    assert got[0] < 0


def test_row_scores_same_alone_and_in_right_padded_batch(tok, model):
    batch = tokenize_completions(tok, PROMPTS, COMPLETIONS, max_length=64)
    assert (batch.attention_mask == 0).any()  # some row really is padded
    with torch.no_grad():
        together = sequence_logprobs(model, batch)
        alone = torch.cat(
            [
                sequence_logprobs(model, tokenize_completions(tok, [p], [c], max_length=64))
                for p, c in zip(PROMPTS, COMPLETIONS, strict=True)
            ]
        )
    assert_close(together, alone, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("arch", ["model", "gpt2"])
def test_left_padding_scores_same_as_right_padding(tok, arch, request):
    # RoPE (Llama) is blind to a constant position shift; GPT-2's absolute positions are not,
    # so only it shows that position ids are taken from the attention mask
    model = request.getfixturevalue(arch)
    right = tokenize_completions(tok, PROMPTS, COMPLETIONS, max_length=64)
    left = left_padded(right, tok.pad_token_id, extra=2)
    assert (left.attention_mask[:, 0] == 0).all()  # every row really is left-padded
    with torch.no_grad():
        assert_close(
            sequence_logprobs(model, left), sequence_logprobs(model, right), rtol=1e-5, atol=1e-5
        )
        tl_left, tl_right = token_logprobs(model, left), token_logprobs(model, right)
    assert torch.isfinite(tl_left).all()
    for i, n in enumerate(right.attention_mask.sum(1).tolist()):
        assert_close(tl_left[i, -(n - 1) :], tl_right[i, : n - 1], rtol=1e-5, atol=1e-5)


def test_token_logprobs_zero_outside_completion(tok, model):
    batch = tokenize_completions(tok, PROMPTS, COMPLETIONS, max_length=64)
    with torch.no_grad():
        tl = token_logprobs(model, batch)
    scored = batch.completion_mask[:, 1:].bool()
    assert tl.shape == (len(PROMPTS), batch.input_ids.shape[1] - 1)
    assert (tl[~scored] == 0).all()
    assert (tl[scored] < 0).all()
    assert_close(tl.sum(-1), sequence_logprobs(model, batch))


def test_gradients_flow(tok, model):
    batch = tokenize_completions(tok, PROMPTS, COMPLETIONS, max_length=64)
    model.zero_grad()
    sequence_logprobs(model, batch).sum().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert model.lm_head.weight.grad.abs().sum() > 0
    assert model.model.embed_tokens.weight.grad.abs().sum() > 0
