"""Unit tests for the review grammar: closed vocabulary, seeding, held-out split, labels."""

from __future__ import annotations

import itertools
import random
from statistics import mean

from alignzoo.tasks.sentiment.base_model import build_tokenizer
from alignzoo.tasks.sentiment.grammar import (
    ACTIONS,
    LINKS,
    TAGS,
    WHEN,
    WHO,
    is_heldout_opening,
    vocabulary,
    write_review,
)
from alignzoo.tasks.sentiment.lexicon import lexicon_sentiment


def reviews(seed: int, n: int) -> list:
    rng = random.Random(seed)
    return [write_review(rng) for _ in range(n)]


def test_every_word_in_vocabulary():
    vocab = set(vocabulary())
    for review in reviews(0, 2000):
        for tagged in (True, False):
            words = set(review.text(tagged).split())
            assert words <= vocab, words - vocab
    assert set(TAGS.values()) <= vocab


def test_tokenizer_never_needs_unk():
    tok = build_tokenizer()
    texts = [r.text(tagged=i % 2 == 0) for i, r in enumerate(reviews(1, 300))]
    ids = tok(texts)["input_ids"]
    assert all(tok.unk_token_id not in row for row in ids)


def test_vocabulary_sorted_and_unique():
    vocab = vocabulary()
    assert vocab == sorted(set(vocab))


def test_seeded_reproducibility():
    assert reviews(42, 200) == reviews(42, 200)
    assert reviews(42, 200) != reviews(43, 200)


def all_openings() -> list[str]:
    return [
        " ".join(parts)
        for domain in ACTIONS
        for parts in itertools.product(WHEN, WHO, ACTIONS[domain], LINKS)
    ]


def test_heldout_openings_about_one_eighth():
    openings = set(all_openings())
    sampled = {r.opening for r in reviews(2, 3000)}
    assert sampled <= openings
    for pool in (openings, sampled):
        share = sum(map(is_heldout_opening, pool)) / len(pool)
        assert 0.09 < share < 0.16, share


def test_heldout_split_pure_function_of_text():
    openings = all_openings()
    first = [is_heldout_opening(o) for o in openings]
    random.Random(0).random()  # unrelated random state must not matter
    copies = ["".join(list(o)) for o in openings]
    assert [is_heldout_opening(o) for o in copies] == first
    # the same opening met under different seeds gets the same verdict
    verdicts: dict[str, bool] = {}
    for seed in (3, 4):
        for r in reviews(seed, 500):
            assert verdicts.setdefault(r.opening, is_heldout_opening(r.opening)) == (
                is_heldout_opening(r.opening)
            )


def test_openings_are_neutral():
    assert all(lexicon_sentiment(o) == 0.0 for o in all_openings())


def test_gold_means_order_by_label():
    golds: dict[str, list[float]] = {}
    for r in reviews(5, 4000):
        golds.setdefault(r.label, []).append(lexicon_sentiment(r.body))
    assert set(golds) == {"positive", "negative", "neutral", "mixed"}
    means = {label: mean(values) for label, values in golds.items()}
    assert means["positive"] > max(means["mixed"], means["neutral"]) + 0.2
    assert min(means["mixed"], means["neutral"]) > means["negative"] + 0.2
    assert means["positive"] > 0 > means["negative"]
