"""The rules as pure functions: exact values on hand-chosen completions, and their errors."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import alignzoo_rules.functions as functions_module
from alignzoo.errors import ConfigError
from alignzoo_rules.functions import (
    json_format_reward,
    keyword_reward,
    length_reward,
    load_user_function,
    regex_reward,
)


def test_doctests_pass() -> None:
    result = doctest.testmod(functions_module)
    assert result.attempted >= 5 and result.failed == 0


@pytest.mark.parametrize(
    ("completion", "kwargs", "expected"),
    [
        ("the answer is 42", {}, 1.0),
        ("no digits here", {}, 0.0),
        ("", {}, 0.0),
        ("the answer is 42", {"invert": True}, 0.0),
        ("no digits here", {"invert": True}, 1.0),
        ("", {"invert": True}, 1.0),
        ("the answer is 42", {"match_score": 2.0, "miss_score": -1.0}, 2.0),
        ("no digits here", {"match_score": 2.0, "miss_score": -1.0}, -1.0),
        ("no digits here", {"match_score": 2.0, "miss_score": -1.0, "invert": True}, 2.0),
    ],
)
def test_regex_reward(completion: str, kwargs: dict, expected: float) -> None:
    assert regex_reward(completion, r"\d+", **kwargs) == expected


def test_regex_reward_searches_anywhere() -> None:
    assert regex_reward("well, yes", "^yes") == 0.0
    assert regex_reward("well, yes", "yes$") == 1.0


@pytest.mark.parametrize(
    ("n_words", "expected"),
    [
        (10, 1.0),  # on target
        (7, 1.0),  # lower tolerance boundary
        (13, 1.0),  # upper tolerance boundary
        (14, 0.9),  # one past: 1 - 1/10
        (6, 0.9),
        (18, 0.5),
        (23, 0.0),  # distance tolerance + target
        (40, 0.0),  # far beyond: clipped, never negative
        (0, 0.3),  # empty: distance 10, 1 - 7/10
    ],
)
def test_length_reward_in_words(n_words: int, expected: float) -> None:
    completion = " ".join(["w"] * n_words)
    assert length_reward(completion, target=10, tolerance=3) == pytest.approx(expected)


def test_length_reward_in_chars_strips_surrounding_whitespace() -> None:
    assert length_reward("  abcd \n", target=4, tolerance=0, unit="chars") == 1.0
    assert length_reward("ab", target=4, tolerance=0, unit="chars") == 0.5
    assert length_reward("a b", target=3, tolerance=0, unit="chars") == 1.0
    assert length_reward("a b", target=3, tolerance=0, unit="words") == pytest.approx(2 / 3)


def test_length_reward_zero_target_and_bad_unit() -> None:
    assert length_reward("", target=0, tolerance=0) == 1.0
    assert length_reward("one", target=0, tolerance=0) == 0.0
    assert length_reward("one", target=0, tolerance=1) == 1.0
    with pytest.raises(ValueError, match="'tokens'"):
        length_reward("one", target=1, tolerance=0, unit="tokens")


@pytest.mark.parametrize(
    ("completion", "kwargs", "expected"),
    [
        ("anything", {}, 1.0),  # no include: full marks
        ("", {}, 1.0),
        ("", {"include": ["good"]}, 0.0),
        ("a good day", {"include": ["good", "day", "sun", "moon"]}, 0.5),
        ("a good day", {"exclude": ["day", "night"]}, 0.5),
        ("a good day", {"include": ["good"], "exclude": ["good"]}, 0.0),
        ("a bad night", {"include": ["good"], "exclude": ["bad", "night"]}, -1.0),
        ("pure goodness", {"include": ["good"]}, 0.0),  # whole words only
        ("good, good.", {"include": ["good"]}, 1.0),  # punctuation is a boundary
        ("a GOOD day", {"include": ["good"]}, 1.0),
        ("a GOOD day", {"include": ["good"], "case_sensitive": True}, 0.0),
        ("a GOOD day", {"include": ["GOOD"], "case_sensitive": True}, 1.0),
        ("i write c++ daily", {"include": ["c++", "write daily"]}, 0.5),  # escaped, phrases
        ("a.b", {"include": ["a*b"]}, 0.0),  # keywords are literal, not regexes
    ],
)
def test_keyword_reward(completion: str, kwargs: dict, expected: float) -> None:
    assert keyword_reward(completion, **kwargs) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("completion", "required", "expected"),
    [
        ('{"a": 1}', (), 1.0),
        ('  {"a": 1}\n', ("a",), 1.0),
        ('{"a": 1}', ("a", "b"), 0.75),
        ('{"a": {"b": 2}}', ("b",), 0.5),  # top-level keys only
        ("{}", ("a",), 0.5),
        ('```json\n{"a": 1, "b": 2}\n```', ("a", "b"), 1.0),
        ('```\n{"a": 1}\n```', (), 1.0),
        ('```JSON {"a": 1}```', (), 1.0),
        ('Here you go: {"a": 1}', (), 0.0),
        ('```json\n{"a": 1}\n``` and more', (), 0.0),
        ("[1]", (), 0.0),
        ('"a"', (), 0.0),
        ("1", (), 0.0),
        ("null", (), 0.0),
        ('{"a": 1', (), 0.0),
        ("", (), 0.0),
        ("```json\n```", (), 0.0),
    ],
)
def test_json_format_reward(completion: str, required: tuple[str, ...], expected: float) -> None:
    assert json_format_reward(completion, required) == expected


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An importable module with a reward function, a class holding one, and a non-callable."""
    (tmp_path / "my_rules_mod.py").write_text(
        "def brevity(prompt, completion):\n"
        "    return 1.0 / (1 + len(completion)) + len(prompt)\n"
        "class Rules:\n"
        "    @staticmethod\n"
        "    def echo(prompt, completion):\n"
        "        return float(prompt == completion)\n"
        "THRESHOLD = 3\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    return "my_rules_mod"


def test_load_user_function_resolves_a_real_function(user_module: str) -> None:
    brevity = load_user_function(f"{user_module}:brevity")
    assert brevity("ab", "xyz") == 2.25
    assert load_user_function(f"{user_module}:Rules.echo")("a", "a") == 1.0


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("my_rules_mod.brevity", "is malformed"),
        (":brevity", "is malformed"),
        ("my_rules_mod:", "is malformed"),
        ("my_rules_mod:brevity:x", "is malformed"),
        ("no_such_module_xyz:fn", "cannot import module 'no_such_module_xyz'"),
        ("my_rules_mod:missing", "has no attribute 'missing'"),
        ("my_rules_mod:THRESHOLD", "'THRESHOLD' is a int, not callable"),
    ],
)
def test_load_user_function_errors_name_key_spec_and_expectation(
    user_module: str, spec: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_user_function(spec)
    message = str(error.value)
    assert f"reward.function={spec!r}" in message
    assert problem in message
    assert "module:function from an installed module" in message


def test_load_user_function_never_evaluates_the_spec() -> None:
    with pytest.raises(ConfigError, match="cannot import module"):
        load_user_function("__import__('os').getcwd():f")
