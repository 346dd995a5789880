"""A small grammar that writes product and media reviews with controllable sentiment.

Each review is a neutral *opening* (the prompt) followed by a *body* of clauses whose
adjectives and verbs are drawn from positive, negative or neutral vocabulary according to the
review's label. Half the training reviews start with a control tag (``<positive>`` ...), so
the base model also learns p(review | tag): an AI judge can later read sentiment from it.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from typing import Literal

from alignzoo.tasks.sentiment.lexicon import INTENSIFIERS, NEGATIVE, POSITIVE

Label = Literal["positive", "negative", "neutral", "mixed"]
Polarity = Literal["positive", "negative", "neutral"]

SUBJECTS: dict[str, tuple[str, ...]] = {
    "movie": ("the movie", "the film", "the plot", "the acting", "the ending", "the soundtrack"),
    "restaurant": ("the food", "the service", "the waiter", "the dessert", "the menu", "the pasta"),
    "hotel": ("the room", "the staff", "the bed", "the view", "the breakfast", "the pool"),
    "phone": ("the phone", "the battery", "the screen", "the camera", "the charger", "the case"),
    "book": ("the book", "the story", "the characters", "the writing", "the cover", "the author"),
}
#: openings are "<when> <who> <action> <link>": neutral, so the prompt leaves sentiment open
ACTIONS: dict[str, tuple[str, ...]] = {
    "movie": ("watched the movie", "saw the film", "went to the cinema", "rented the movie"),
    "restaurant": (
        "ate at the restaurant",
        "ordered the pasta",
        "had dinner there",
        "tried the menu",
    ),
    "hotel": ("stayed at the hotel", "booked the room", "checked in", "spent a night there"),
    "phone": ("bought the phone", "got the phone", "used the phone", "tested the camera"),
    "book": ("read the book", "finished the book", "started the book", "bought the book"),
}
WHEN = (
    "yesterday",
    "last night",
    "last week",
    "last month",
    "on monday",
    "on friday",
    "this weekend",
    "after work",
    "on holiday",
    "recently",
)
WHO = ("i", "we", "my friend and i", "my family")
LINKS = ("and", ",", ":")
ADJECTIVES: dict[Polarity, tuple[str, ...]] = {
    "positive": tuple(w for w in POSITIVE if not w.endswith("ed") and w != "recommend"),
    "negative": tuple(w for w in NEGATIVE if not w.endswith("ed") and w not in ("regret", "avoid")),
    "neutral": (
        "okay",
        "fine",
        "average",
        "ordinary",
        "long",
        "short",
        "new",
        "old",
        "big",
        "small",
        "expensive",
        "cheap",
        "quiet",
        "loud",
        "simple",
    ),
}
VERBS: dict[Polarity, tuple[str, ...]] = {
    "positive": ("loved", "enjoyed", "adored", "recommend"),
    "negative": ("hated", "disliked", "regret", "avoid"),
    "neutral": ("saw", "tried", "used", "noticed"),
}
OPPOSITE: dict[Polarity, Polarity] = {
    "positive": "negative",
    "negative": "positive",
    "neutral": "neutral",
}
#: how each review label mixes clause polarities (positive, negative, neutral)
CLAUSE_MIX: dict[Label, tuple[float, float, float]] = {
    "positive": (0.75, 0.05, 0.20),
    "negative": (0.05, 0.75, 0.20),
    "neutral": (0.10, 0.10, 0.80),
    "mixed": (0.45, 0.45, 0.10),
}
LABEL_WEIGHTS: dict[Label, float] = {
    "positive": 0.35,
    "negative": 0.35,
    "neutral": 0.15,
    "mixed": 0.15,
}
TAGS: dict[Label, str] = {label: f"<{label}>" for label in LABEL_WEIGHTS}
CONNECTIVES = (" . ", " and ", " , ")


@dataclass(frozen=True)
class Review:
    """One generated review: ``opening`` is the prompt, ``body`` the completion."""

    label: Label
    opening: str
    body: str

    def text(self, tagged: bool) -> str:
        """The review as training text, optionally behind its control tag."""
        prefix = f"{TAGS[self.label]} " if tagged else ""
        return f"{prefix}{self.opening} {self.body}"


def _clause(rng: random.Random, subjects: tuple[str, ...], polarity: Polarity) -> str:
    subject = rng.choice(subjects)
    intensifier = f"{rng.choice(tuple(INTENSIFIERS))} " if rng.random() < 0.25 else ""
    shape = rng.randrange(5)
    if shape == 0:
        return f"i {rng.choice(VERBS[polarity])} {subject}"
    if shape == 1 and polarity != "neutral":  # "not bad" says the opposite of "bad"
        return f"{subject} was not {rng.choice(ADJECTIVES[OPPOSITE[polarity]])}"
    if shape == 2:
        return f"it was a {intensifier}{rng.choice(ADJECTIVES[polarity])} experience"
    if shape == 3:
        return f"{subject} felt {intensifier}{rng.choice(ADJECTIVES[polarity])}"
    return f"{subject} was {intensifier}{rng.choice(ADJECTIVES[polarity])}"


def write_review(rng: random.Random) -> Review:
    """Write one review with a random domain, label and one to three clauses."""
    domain = rng.choice(tuple(SUBJECTS))
    label: Label = rng.choices(tuple(LABEL_WEIGHTS), weights=tuple(LABEL_WEIGHTS.values()))[0]
    polarities: tuple[Polarity, ...] = ("positive", "negative", "neutral")
    clauses = []
    for i in range(rng.randint(1, 3)):
        polarity = rng.choices(polarities, weights=CLAUSE_MIX[label])[0]
        if i:
            clauses.append(rng.choice(CONNECTIVES).strip())
        clauses.append(_clause(rng, SUBJECTS[domain], polarity))
    opening = " ".join(
        (rng.choice(WHEN), rng.choice(WHO), rng.choice(ACTIONS[domain]), rng.choice(LINKS))
    )
    return Review(label, opening, " ".join(clauses) + " .")


def is_heldout_opening(opening: str) -> bool:
    """A fixed eighth of all openings is held out: never a training prompt, on any seed."""
    return zlib.crc32(opening.encode()) % 8 == 0


def vocabulary() -> list[str]:
    """Every word the grammar can write, sorted, so the tokenizer is the same on every machine."""
    words: set[str] = set(TAGS.values()) | {c.strip() for c in CONNECTIVES} | {"."}
    words |= set(INTENSIFIERS) | {"not", "i", "was", "felt", "it", "a", "experience"}
    phrases = [*WHEN, *WHO, *LINKS]
    for table in (SUBJECTS, ACTIONS, ADJECTIVES, VERBS):
        phrases += [phrase for group in table.values() for phrase in group]
    for phrase in phrases:
        words.update(phrase.split())
    return sorted(words)
