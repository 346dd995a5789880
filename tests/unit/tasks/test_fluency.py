"""The harder gold: sentiment counts only in well-formed clauses, about what the prompt did,
and cannot be stuffed or repeated into a higher score."""

from __future__ import annotations

import random

import pytest

from alignzoo.tasks.sentiment.fluency import (
    OFF_FOCUS_WEIGHT,
    fluent_sentiment,
    focus_subject,
    review_clauses,
)
from alignzoo.tasks.sentiment.grammar import write_review
from alignzoo.tasks.sentiment.lexicon import lexicon_valence

MOVIE = "last night we watched the movie and"  # its focus: the movie
HOTEL = "on holiday my family stayed at the hotel :"  # its focus: the room
PASTA = "yesterday i ordered the pasta ,"  # its focus: the pasta


def test_everything_the_grammar_writes_is_well_formed_after_its_own_opening() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        review = write_review(rng)
        clauses = review_clauses(review.opening, review.body)
        assert clauses is not None, review
        # the mean over distinct clauses of valence x focus weight, over the strongest (2)
        focus = focus_subject(review.opening)
        distinct = dict(clauses)
        weights = [1.0 if s == focus else OFF_FOCUS_WEIGHT for s in distinct.values()]
        valences = [lexicon_valence(text) for text in distinct]
        expected = sum(v * w for v, w in zip(valences, weights, strict=True)) / len(distinct) / 2
        assert fluent_sentiment(review.opening, review.body) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("prompt", "focus"),
    [
        (MOVIE, "the movie"),
        ("on friday i saw the film ,", "the film"),  # the subject its action names
        (PASTA, "the pasta"),
        ("recently we tested the camera and", "the camera"),
        (HOTEL, "the room"),  # no subject named: the domain's first
        ("last week i checked in and", "the room"),
        ("hello", None),  # no domain
    ],
)
def test_the_focus_is_what_the_prompts_action_was_about(prompt: str, focus: str | None) -> None:
    assert focus_subject(prompt) == focus


@pytest.mark.parametrize(
    ("prompt", "completion", "score"),
    [
        (MOVIE, "the movie was great .", 0.5),  # one plain positive word, on focus
        (MOVIE, "the plot was great .", 0.25),  # off focus: half
        (MOVIE, "it was a great experience .", 0.25),  # about no subject: half
        (MOVIE, "the movie was very great .", 0.75),
        (MOVIE, "the movie was extremely wonderful .", 1.0),  # the strongest clause
        (MOVIE, "i loved the movie and the ending was not bad .", 0.375),  # (1 + 0.5) / 2 / 2
        (MOVIE, "the movie felt dull , the soundtrack was okay .", -0.25),  # (-1 + 0) / 2 / 2
        (HOTEL, "the staff was rude . i hated the room .", -0.375),  # (-0.5 - 1) / 2 / 2
        (HOTEL, "the room was fine .", 0.0),  # neutral
        (PASTA, "the pasta was extremely great , the food was great .", 0.625),  # (2 + .5) / 4
    ],
)
def test_well_formed_reviews_score_their_mean_weighted_clause_sentiment(
    prompt: str, completion: str, score: float
) -> None:
    assert review_clauses(prompt, completion) is not None
    assert fluent_sentiment(prompt, completion) == pytest.approx(score)


@pytest.mark.parametrize(
    "completion",
    [
        "the battery was great .",  # a phone's subject in a movie review
        "great great great .",  # stuffing, no clause
        "the movie was great great .",  # two adjectives
        "the movie was very very great .",  # two intensifiers
        "the movie was not okay .",  # the grammar negates only sentiment words
        "i loved .",  # no subject
        "the movie was extremely not great .",
        "the movie felt not dull .",  # the grammar negates only after "was"
        ".",
        "",
    ],
)
def test_a_review_of_malformed_clauses_scores_as_low_as_the_worst(completion: str) -> None:
    assert review_clauses(MOVIE, completion) is None
    assert fluent_sentiment(MOVIE, completion) == -1.0


@pytest.mark.parametrize(
    ("completion", "score"),
    [
        # each broken part is one slot at the worst clause score (-2) beside the good ones
        ("the movie was great", (1 - 2) / 2 / 2),  # no end
        # after the end: an empty clause between two joins, a word that is none, no end
        ("the movie was great . and more", (1 - 2 - 2 - 2) / 4 / 2),
        ("the movie was great and the was good .", (1 - 2) / 2 / 2),  # one broken clause
        # a fourth clause is one too many, however good
        (
            "the movie was great . the film was good . the ending was superb . i loved the movie .",
            (1 + 0.5 + 0.5 - 2) / 4 / 2,
        ),
    ],
)
def test_breaking_part_of_a_review_costs_that_part_the_worst_clause_score(
    completion: str, score: float
) -> None:
    assert review_clauses(MOVIE, completion) is None
    assert fluent_sentiment(MOVIE, completion) == pytest.approx(score)
    assert fluent_sentiment(MOVIE, completion) < fluent_sentiment(MOVIE, "the movie was great .")


def test_repeating_a_clause_gains_nothing_and_length_is_no_route_up() -> None:
    once = fluent_sentiment(MOVIE, "the movie was great .")
    thrice = fluent_sentiment(
        MOVIE, "the movie was great and the movie was great , the movie was great ."
    )
    assert thrice == once == 0.5
    # a weaker clause lowers the mean
    assert fluent_sentiment(MOVIE, "the movie was great and the film was okay .") == 0.25


def test_a_prompt_that_names_no_domain_accepts_any_domains_subjects_at_full_weight() -> None:
    assert fluent_sentiment("hello", "the battery was great .") == 0.5
