"""Unit tests for the gold lexicon scorer, against hand-computed values."""

from __future__ import annotations

import math

import pytest
from pytest import approx

from alignzoo.tasks.sentiment.lexicon import (
    NEGATION_SCOPE,
    SATURATION,
    lexicon_sentiment,
    lexicon_valence,
)


def squash(total: float) -> float:
    return math.tanh(total / SATURATION)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the food was great .", 0.5),
        ("the food was bad .", -0.5),
        ("i loved the film", 0.5),
        ("i hated the film", -0.5),
    ],
)
def test_plain_word(text, expected):
    assert SATURATION == 2.0
    assert lexicon_sentiment(text) == approx(math.tanh(expected))


def test_sum_of_words():
    assert lexicon_valence("the food was great and the view was lovely .") == 2.0
    assert lexicon_sentiment("great and bad") == 0.0


def test_negation_flips():
    assert lexicon_sentiment("the food was not great .") == approx(-math.tanh(0.5))
    assert lexicon_sentiment("the food was never bad .") == approx(math.tanh(0.5))
    assert lexicon_valence("hardly good") == -1.0


def test_negation_scope():
    fillers = ["the"] * (NEGATION_SCOPE - 1)
    inside = " ".join(["not", *fillers, "great"])
    beyond = " ".join(["not", *fillers, "the", "great"])
    assert lexicon_valence(inside) == -1.0
    assert lexicon_valence(beyond) == 1.0


def test_negation_flips_only_next_sentiment_word():
    assert lexicon_valence("not great and good") == 0.0
    assert lexicon_valence("it was not bad , it was good") == 2.0


@pytest.mark.parametrize(
    ("text", "valence"),
    [
        ("very great", 1.5),
        ("really bad", -1.5),
        ("extremely good", 2.0),
        ("so dull", -1.3),
        ("not very good", -1.5),
        ("very the great", 1.0),
    ],
)
def test_intensifier_scales(text, valence):
    assert lexicon_valence(text) == approx(valence)
    assert lexicon_sentiment(text) == approx(squash(valence))


@pytest.mark.parametrize("text", ["the room was quiet .", "", "yesterday i checked in :"])
def test_neutral_is_zero(text):
    assert lexicon_sentiment(text) == 0.0


def test_case_insensitive():
    assert lexicon_sentiment("The Food Was GREAT .") == lexicon_sentiment("the food was great .")
    assert lexicon_valence("NOT Very BAD") == 1.5


def test_range():
    assert -1 < lexicon_sentiment("terrible awful horrible dreadful bad") < -0.9
    assert 0.9 < lexicon_sentiment("great excellent wonderful amazing good") < 1
