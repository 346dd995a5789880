"""Properties of the rules rewards over generated completions: whatever a policy writes, each
score is finite, inside the range its docstring promises, and the same every time."""

from __future__ import annotations

import json
import math
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from alignzoo.rewards.source import RewardSource
from alignzoo_rules.config import JsonFormatConfig, KeywordsConfig, LengthConfig, RegexConfig
from alignzoo_rules.functions import (
    json_format_reward,
    keyword_reward,
    length_reward,
    regex_reward,
)
from alignzoo_rules.sources import JsonFormatReward, KeywordsReward, LengthReward, RegexReward

FAST = settings(max_examples=100, deadline=None)
#: completions as a policy might write them: any text, JSON-ish text, and words
completions = (
    st.text(max_size=60)
    | st.text(alphabet='{}[]":,0123456789 abcnulltrue\n`', max_size=60)
    | st.lists(
        st.sampled_from(["good", "bad", "Good", "c++", "day", "json", " "]), max_size=12
    ).map(" ".join)
)
words = st.text(min_size=0, max_size=6)
finite = st.floats(-1e6, 1e6, allow_nan=False)
patterns = st.sampled_from([r"[0-9]+", r"^\s*$", r"(?i)good", r"\bday\b", r"a|b", r"", r"."])
json_objects = st.dictionaries(
    st.text(max_size=5),
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    max_size=4,
)


def _same_twice(source: RewardSource, texts: list[str]) -> torch.Tensor:
    """The batch's scores, checked for shape, dtype, finiteness and repeatability."""
    prompts = ["p"] * len(texts)
    first, second = source.score(prompts, texts), source.score(prompts, texts)
    assert first.dtype == torch.float32 and first.shape == (len(texts),)
    assert bool(torch.isfinite(first).all()) and torch.equal(first, second)
    return first


@FAST
@given(completions, patterns, finite, finite, st.booleans())
def test_regex_scores_only_its_two_values(
    completion: str, pattern: str, match: float, miss: float, invert: bool
) -> None:
    score = regex_reward(completion, pattern, match, miss, invert)
    found = re.search(pattern, completion) is not None
    assert score == (match if found != invert else miss)
    assert score == regex_reward(completion, pattern, match, miss, invert)


@FAST
@given(completions, st.integers(0, 200), st.integers(0, 50), st.sampled_from(["words", "chars"]))
def test_length_scores_lie_in_0_1_and_are_1_exactly_within_tolerance(
    completion: str, target: int, tolerance: int, unit: str
) -> None:
    score = length_reward(completion, target, tolerance, unit)
    assert math.isfinite(score) and 0.0 <= score <= 1.0
    length = len(completion.split()) if unit == "words" else len(completion.strip())
    assert (score == 1.0) == (abs(length - target) <= tolerance)
    assert score == length_reward(completion, target, tolerance, unit)


@FAST
@given(completions, st.lists(words, max_size=4), st.lists(words, max_size=4), st.booleans())
def test_keyword_scores_lie_in_minus_1_1(
    completion: str, include: list[str], exclude: list[str], case_sensitive: bool
) -> None:
    score = keyword_reward(completion, include, exclude, case_sensitive)
    assert math.isfinite(score) and -1.0 <= score <= 1.0
    assert score == keyword_reward(completion, include, exclude, case_sensitive)
    if not exclude:
        assert score >= 0.0  # nothing to subtract


@FAST
@given(completions, st.lists(st.text(max_size=5), max_size=3))
def test_json_scores_are_0_or_in_half_to_1(completion: str, required: list[str]) -> None:
    score = json_format_reward(completion, required)
    assert score == 0.0 or 0.5 <= score <= 1.0
    assert score == json_format_reward(completion, required)


@FAST
@given(json_objects, st.sampled_from(["{}", "```json\n{}\n```", "  {}  "]))
def test_any_json_object_scores_at_least_half_and_1_with_every_key(
    value: dict, wrapper: str
) -> None:
    completion = wrapper.replace("{}", json.dumps(value))
    assert json_format_reward(completion) == 1.0
    assert json_format_reward(completion, list(value)) == 1.0
    assert 0.5 <= json_format_reward(completion, [*value, "missing-key"]) < 1.0


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_nesting_too_deep_to_parse_scores_0_instead_of_failing(opening: str) -> None:
    assert json_format_reward(opening * 5000) == 0.0


@FAST
@given(st.lists(completions, min_size=1, max_size=6))
def test_every_rule_source_gives_finite_repeatable_float32_scores(texts: list[str]) -> None:
    bounded = {
        RegexReward(RegexConfig(pattern=r"(?i)good", match_score=2.0, miss_score=-1.0)): (-1, 2),
        LengthReward(LengthConfig(target=3, tolerance=1)): (0, 1),
        LengthReward(LengthConfig(target=0, tolerance=0, unit="chars")): (0, 1),
        KeywordsReward(KeywordsConfig(include=["good", "day"], exclude=["bad"])): (-1, 1),
        JsonFormatReward(JsonFormatConfig(required_keys=["a"])): (0, 1),
    }
    for source, (low, high) in bounded.items():
        scores = _same_twice(source, texts)
        assert bool(((scores >= low) & (scores <= high)).all()), (source.name, scores)
