"""The gold reward of the built-in task: a lexicon sentiment scorer with negation and intensifiers.

It plays the part of the sentiment classifier in the DPO paper's controlled-sentiment task
(Rafailov et al. 2023, §6.1): the true objective, known exactly, that training can be judged by.

>>> round(lexicon_sentiment("the food was great ."), 3)
0.462
>>> round(lexicon_sentiment("the food was not great ."), 3)
-0.462
>>> lexicon_sentiment("the room was quiet .")
0.0
"""

from __future__ import annotations

import math

POSITIVE: dict[str, float] = {
    w: 1.0
    for w in (
        "great excellent wonderful amazing fantastic brilliant superb perfect delightful "
        "lovely good pleasant enjoyable charming loved enjoyed adored recommend"
    ).split()
}
NEGATIVE: dict[str, float] = {
    w: -1.0
    for w in (
        "terrible awful horrible dreadful bad poor boring dull disappointing mediocre annoying "
        "bland rude broken hated disliked regret avoid"
    ).split()
}
VALENCE: dict[str, float] = POSITIVE | NEGATIVE
INTENSIFIERS: dict[str, float] = {"very": 1.5, "really": 1.5, "extremely": 2.0, "so": 1.3}
NEGATIONS: frozenset[str] = frozenset({"not", "never", "hardly"})
#: a negation flips the next sentiment word within this many words
NEGATION_SCOPE = 3
#: tanh(total / SATURATION): one plain sentiment word gives ~0.46, three saturate near 0.9
SATURATION = 2.0


def lexicon_valence(text: str) -> float:
    """Sum of word valences, flipped after a negation and scaled after an intensifier."""
    total, negate_left, boost = 0.0, 0, 1.0
    for word in text.lower().split():
        if word in NEGATIONS:
            negate_left = NEGATION_SCOPE
            continue
        if word in INTENSIFIERS:
            boost = INTENSIFIERS[word]
            continue
        value = VALENCE.get(word, 0.0)
        if value:
            total += value * boost * (-1.0 if negate_left else 1.0)
            negate_left = 0
        elif negate_left:
            negate_left -= 1
        boost = 1.0
    return total


def lexicon_sentiment(text: str) -> float:
    """Gold sentiment of ``text`` in (-1, 1): squashed lexicon valence, 0 for neutral text."""
    return math.tanh(lexicon_valence(text) / SATURATION)
