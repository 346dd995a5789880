"""Rows that will be cut to ``model.max_length`` are counted in one warning before training."""

from __future__ import annotations

import warnings

import pytest

from alignzoo.data.overlong_rows import OverlongRowsWarning, warn_overlong_rows
from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord


def test_pairs_that_fit_say_nothing(tok, pairs) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_overlong_rows(pairs, tok, max_length=64)


def test_an_overlong_pair_is_counted_and_its_prompt_tokens_left_are_said(tok, pairs) -> None:
    long_prompt = " ".join(["the movie was great ."] * 40)  # 200 words
    rows = [*pairs, PreferencePair(long_prompt, " i loved it .", " it was the worst thing ever .")]
    with pytest.warns(OverlongRowsWarning, match=r"1 of 5 training rows .* \(rows 4\)") as caught:
        warn_overlong_rows(rows, tok, max_length=16)
    # the rejected completion is the longer one: 7 words + EOS = 8 tokens, so 16 - 8 are left
    assert "keeps 8 prompt token(s)" in str(caught[0].message)


def test_prompts_and_feedback_rows_are_measured_too(tok) -> None:
    long = " ".join(["i"] * 100)
    with pytest.warns(OverlongRowsWarning, match="1 of 2"):
        warn_overlong_rows([PromptRecord("i"), PromptRecord(long)], tok, max_length=32)
    with pytest.warns(OverlongRowsWarning, match="1 of 1"):
        warn_overlong_rows([LabelledCompletion("i", long, True)], tok, max_length=32)
