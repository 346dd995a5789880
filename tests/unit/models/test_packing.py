"""Packing: examples share rows yet score exactly as they do apart, and a model that would let
them attend to each other is refused."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close
from transformers import GPT2Config, GPT2LMHeadModel

from alignzoo.data.records import PreferencePair
from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import sequence_logprobs, token_logprobs
from alignzoo.models.packing import check_packing_supported, pack_completions
from alignzoo.models.pairs import pair_logprobs
from alignzoo.models.shared_prompt import check_shared_prompts_supported, shared_prompts_supported
from alignzoo.models.tokenize import TokenizedCompletions, tokenize_completions

PROMPTS = ["yesterday i watched the movie and", "i", "last week we checked in :", "the"]
COMPLETIONS = [
    "the plot was great .",
    "it was a very dull experience .",
    "the room was quiet .",
    "food was good .",
]


@pytest.fixture
def rows(tok) -> TokenizedCompletions:
    return tokenize_completions(tok, PROMPTS, COMPLETIONS, max_length=64)


@pytest.fixture(params=["llama", "gpt2"])
def model(request, tok, tiny_llama):
    if request.param == "llama":
        return tiny_llama()
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tok), n_embd=32, n_layer=1, n_head=2, n_positions=64,
        pad_token_id=tok.pad_token_id,
    )  # fmt: skip
    return GPT2LMHeadModel(config).eval()


def test_packing_fills_rows_first_fit_decreasing_and_keeps_every_scored_token(rows) -> None:
    lengths = rows.attention_mask.sum(-1).tolist()
    packed = pack_completions(rows, length=max(lengths) + min(lengths) + 1)
    assert len(packed) < len(rows)
    assert int(packed.attention_mask.sum()) == sum(lengths)
    # the same tokens are scored: a row's first token never is, packed or not
    assert int(packed.completion_mask.sum()) == int(rows.completion_mask[:, 1:].sum())
    # positions restart at every example: one restart per example, padding aside
    starts = (packed.position_ids == 0) & packed.attention_mask.bool()
    assert int(starts.sum()) == len(rows)


def test_packing_every_example_alone_when_none_fit_together(rows) -> None:
    longest = int(rows.attention_mask.sum(-1).max())
    packed = pack_completions(rows, length=longest)
    assert len(packed) == len(rows)


def test_an_example_longer_than_a_packed_row_is_refused(rows) -> None:
    with pytest.raises(ValueError, match="does not fit a packed row of 3"):
        pack_completions(rows, length=3)


def test_packed_rows_score_and_train_exactly_as_unpacked_ones(rows, model) -> None:
    packed = pack_completions(rows, length=40)
    assert len(packed) < len(rows)

    def loss_and_grads(batch: TokenizedCompletions) -> tuple[torch.Tensor, list[torch.Tensor]]:
        model.zero_grad()
        loss = -token_logprobs(model, batch).sum()
        loss.backward()
        return loss.detach(), [p.grad.clone() for p in model.parameters()]

    loss, grads = loss_and_grads(rows)
    packed_loss, packed_grads = loss_and_grads(packed)
    assert_close(packed_loss, loss, rtol=1e-5, atol=1e-5)
    for g, packed_g in zip(grads, packed_grads, strict=True):
        assert_close(packed_g, g, rtol=1e-4, atol=1e-5)


def test_the_packing_check_accepts_a_model_that_keeps_examples_apart(model) -> None:
    model.train()
    check_packing_supported(model)
    assert model.training  # the check gives the model back in the mode it found it


class IgnoresPositionIds(torch.nn.Module):
    """An architecture of the kind packing cannot serve: plain causal attention over the row."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        self.config = model.config

    def get_input_embeddings(self) -> torch.nn.Module:
        return self.model.get_input_embeddings()

    def forward(self, input_ids: torch.Tensor, **ignored: object):
        return self.model(input_ids=input_ids)


def test_the_packing_check_refuses_a_model_whose_examples_would_attend_across(model) -> None:
    with pytest.raises(ConfigError, match="algorithm.packing=true: IgnoresPositionIds"):
        check_packing_supported(IgnoresPositionIds(model))  # type: ignore[arg-type]


def test_packed_sequence_logprobs_come_back_per_example_in_their_order(rows, model) -> None:
    packed = pack_completions(rows, length=40)
    assert len(packed) < len(rows)
    apart = sequence_logprobs(model, rows)
    together = sequence_logprobs(model, packed)
    assert together.shape == (len(rows),)
    assert_close(together, apart, rtol=1e-5, atol=1e-5)
    assert len(set(apart.tolist())) == len(rows)  # distinct values: the order is checked


def test_pair_logprobs_packed_match_the_padded_forward(tok, tiny_llama) -> None:
    pairs = [
        PreferencePair(p, c, r)
        for p, c, r in zip(PROMPTS, COMPLETIONS, reversed(COMPLETIONS), strict=True)
    ]
    model = tiny_llama()

    def score(tokens: TokenizedCompletions) -> torch.Tensor:
        return sequence_logprobs(model, tokens)

    cpu = torch.device("cpu")
    padded = pair_logprobs(score, tok, pairs, 64, cpu)
    packed = pair_logprobs(score, tok, pairs, 64, cpu, packed=True)
    for name in ("chosen", "rejected", "chosen_tokens", "rejected_tokens"):
        assert_close(getattr(packed, name), getattr(padded, name), rtol=1e-5, atol=1e-5)


def test_the_shared_prompt_check_refuses_a_model_that_ignores_4d_masks(model) -> None:
    assert shared_prompts_supported(model)
    ignores = IgnoresPositionIds(model)  # it ignores the attention mask as well
    assert not shared_prompts_supported(ignores)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="algorithm.packing=true: IgnoresPositionIds"):
        check_shared_prompts_supported(ignores)  # type: ignore[arg-type]
