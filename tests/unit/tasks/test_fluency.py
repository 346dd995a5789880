"""The harder gold: sentiment counts only in well-formed reviews, and cannot be stuffed."""

from __future__ import annotations

import random

import pytest

from alignzoo.tasks.sentiment.fluency import MALFORMED, fluent_sentiment, review_clauses
from alignzoo.tasks.sentiment.grammar import write_review
from alignzoo.tasks.sentiment.lexicon import lexicon_valence

MOVIE = "last night we watched the movie and"
HOTEL = "on holiday my family stayed at the hotel :"


def test_everything_the_grammar_writes_is_well_formed_after_its_own_opening() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        review = write_review(rng)
        clauses = review_clauses(review.opening, review.body)
        assert clauses is not None, review
        # the score is the mean valence of its distinct clauses over the strongest (2)
        distinct = list(dict.fromkeys(clauses))
        expected = sum(lexicon_valence(c) for c in distinct) / len(distinct) / 2
        assert fluent_sentiment(review.opening, review.body) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("prompt", "completion", "score"),
    [
        (MOVIE, "the plot was great .", 0.5),  # one plain positive word
        (MOVIE, "the plot was very great .", 0.75),
        (MOVIE, "it was a extremely wonderful experience .", 1.0),  # the strongest clause
        (MOVIE, "i loved the film and the ending was not bad .", 0.5),  # negation flips
        (MOVIE, "the acting felt dull , the soundtrack was okay .", -0.25),  # mean of -1, 0
        (HOTEL, "the staff was rude . i hated the room .", -0.5),
        (HOTEL, "the view was fine .", 0.0),  # neutral
        # every clause at its strongest
        (
            MOVIE,
            "the plot was extremely great , it was a extremely good experience and "
            "the film felt extremely superb .",
            1.0,
        ),
    ],
)
def test_well_formed_reviews_score_their_mean_clause_sentiment(
    prompt: str, completion: str, score: float
) -> None:
    assert fluent_sentiment(prompt, completion) == pytest.approx(score)


@pytest.mark.parametrize(
    "completion",
    [
        "the battery was great .",  # a phone's subject in a movie review
        "the plot was great",  # no closing " ."
        "the plot was great . and more",  # something after the end
        "the plot was great . the film was good . the ending was superb . i loved the movie .",
        "great great great .",  # stuffing, no clause
        "the plot was great great .",  # two adjectives
        "the plot was very very great .",  # two intensifiers
        "the plot was not okay .",  # the grammar negates only sentiment words
        "i loved .",  # no subject
        "the plot was extremely not great .",
        ".",
        "",
    ],
)
def test_anything_else_scores_as_low_as_the_worst_review(completion: str) -> None:
    assert review_clauses(MOVIE, completion) is None
    assert fluent_sentiment(MOVIE, completion) == MALFORMED == -1.0


def test_repeating_a_clause_gains_nothing() -> None:
    once = fluent_sentiment(MOVIE, "the plot was great .")
    thrice = fluent_sentiment(
        MOVIE, "the plot was great and the plot was great , the plot was great ."
    )
    assert thrice == once == 0.5
    # a weaker clause lowers the mean: length is no route to a higher score
    assert fluent_sentiment(MOVIE, "the plot was great and the film was okay .") == 0.25


def test_a_prompt_that_names_no_domain_accepts_any_domains_subjects() -> None:
    assert fluent_sentiment("hello", "the battery was great .") == 0.5
