"""A row of megabytes among normal ones is cut in its text before anything tokenizes it, with a
warning naming the row, and sampling keeps only the prompt tokens that fit ``model.max_length``:
never a whole-prompt attention whose size grows with the square of its length."""

from __future__ import annotations

import warnings

import pytest

from alignzoo.config.schema import SamplingConfig
from alignzoo.data.overlong_rows import (
    CHARS_PER_TOKEN,
    OverlongRowsWarning,
    cut_overlong_text,
    warn_overlong_rows,
)
from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord
from alignzoo.models.generation import prompt_budget, sample_completions

HUGE = "the movie was great . " * 240_000  # 5.3 MB


def test_a_5mb_prompt_row_is_cut_keeping_its_end_and_named(pairs) -> None:
    rows = [*pairs[:2], PreferencePair(HUGE + "end", " i loved it .", " awful ."), *pairs[2:]]
    with pytest.warns(OverlongRowsWarning) as caught:
        cut = cut_overlong_text(rows, max_length=64)
    message = str(caught[0].message)
    assert "row 2 prompt (5,280,003 characters: 'the movie was great '...)" in message
    assert "model.max_length=64" in message and f"{64 * CHARS_PER_TOKEN:,} characters" in message
    assert len(cut) == len(rows) and cut[2].prompt.endswith("great . end")
    assert len(cut[2].prompt) == 64 * CHARS_PER_TOKEN
    assert cut[2].chosen == " i loved it ." and cut[:2] == rows[:2] and cut[3:] == rows[3:]


def test_completions_keep_their_start_and_every_record_shape_is_cut(tok) -> None:
    with pytest.warns(OverlongRowsWarning, match="row 1 completion"):
        feedback = cut_overlong_text(
            [LabelledCompletion("i", " ok", True), LabelledCompletion("i", "start" + HUGE, False)],
            max_length=16,
        )
    assert feedback[1].completion.startswith("start") and feedback[1].desirable is False
    assert len(feedback[1].completion) == 16 * CHARS_PER_TOKEN
    with pytest.warns(OverlongRowsWarning, match="1 text.s. of the held-out rows"):
        prompts = cut_overlong_text([PromptRecord(HUGE)], max_length=16, split="held-out")
    # what is left is cheap to measure, and still more than max_length tokens: cut as before
    with pytest.warns(OverlongRowsWarning, match="1 of 1 training rows"):
        warn_overlong_rows(prompts, tok, max_length=16)


def test_rows_that_fit_pass_unchanged_and_silently(pairs) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cut_overlong_text(pairs, max_length=64) == pairs


def test_sampling_keeps_only_the_prompt_tokens_that_fit(tiny_llama, tok) -> None:
    sampling = SamplingConfig(max_new_tokens=6)
    budget = prompt_budget(32, sampling)
    long_prompt = " ".join(["the movie was great ."] * 200) + " i saw"
    texts, rows = sample_completions(
        tiny_llama(), tok, [long_prompt, "i"], sampling, batch_size=2, max_prompt_tokens=budget
    )
    assert budget == 26 and len(texts) == 2
    assert rows.input_ids.shape[1] <= budget + sampling.max_new_tokens
    kept = rows.input_ids[0, :budget].tolist()
    ids = tok(long_prompt)["input_ids"]  # BOS first: the tokenizer keeps it, cuts the text
    assert kept == [ids[0], *ids[-(budget - 1) :]] and ids[0] == tok.bos_token_id
    assert tok.truncation_side == "right"  # the tokenizer is left as it was


def test_the_budget_leaves_room_for_the_completion_and_at_least_one_token() -> None:
    assert prompt_budget(512, SamplingConfig(max_new_tokens=64)) == 448
    assert prompt_budget(8, SamplingConfig(max_new_tokens=64)) == 1
