"""The harder gold objective (``data.gold=sentiment_fluency``): sentiment that counts only in
well-formed clauses about what the prompt did, and cannot be raised by repeating or stuffing.

The grammar that wrote every review is known (:mod:`~alignzoo.tasks.sentiment.grammar`), so
well-formedness is checked exactly, not estimated: a body is one to three clauses of the
grammar's five shapes about the prompt's domain (a movie review talks about the plot, not
the battery), joined by its connectives and closed by " ."; nothing may follow.

The score is the mean over clause slots, over the strongest a clause can be (2: "extremely"
before a positive word). A distinct well-formed clause scores its valence, at full weight
when it is about the prompt's focus (the subject its action names: "ordered the pasta" ->
the pasta; else the domain's first: the movie, the food, the room, the phone, the book) and
at half weight otherwise ("it was a great experience" is about nothing in particular). A
malformed clause, a missing end and every clause past the third score the worst a clause can
(-2), so breaking the form never pays, and a review of nothing but broken clauses scores -1.

So a plain positive clause on the focus scores 0.5, off it 0.25, and 1 needs every clause
strong and on the focus, which samples of the base model almost never are: optimisers climb
for longer than on the lexicon, where one "extremely" reached the ceiling by step 30. A
repeated clause counts once; a clause holds one sentiment word and at most one intensifier
by the grammar, so stuffing words breaks it; a weaker clause lowers the mean. (Tried first:
a sum over up to three clauses made longer reviews better, and DPO learned length, -0.44; a
review scored -1 for any slip made DPO's few broken clauses cost it everything, -0.52.)

>>> fluent_sentiment("yesterday i watched the movie and", "the movie was great .")
0.5
>>> fluent_sentiment("yesterday i watched the movie and", "the plot was extremely great .")
0.5
>>> fluent_sentiment("yesterday i watched the movie and", "the battery was great .")
-1.0
>>> fluent_sentiment("yesterday i watched the movie and", "great great great .")
-1.0
"""

from __future__ import annotations

from alignzoo.tasks.sentiment.grammar import ACTIONS, ADJECTIVES, CONNECTIVES, SUBJECTS, VERBS
from alignzoo.tasks.sentiment.lexicon import INTENSIFIERS, lexicon_valence

#: the strongest clause valence the grammar can write: "extremely" (x2) before one word
STRONGEST_CLAUSE = max(INTENSIFIERS.values())
MAX_CLAUSES = 3
#: bump when the score's definition changes, so pairs labelled by it are sampled again
FLUENCY_VERSION = 3
#: a clause about another of the domain's subjects, or about none ("it was a great
#: experience"), counts at this weight: the review should be about what the prompt did
OFF_FOCUS_WEIGHT = 0.5
_JOINS = frozenset(c.strip() for c in CONNECTIVES)
_ADJECTIVES = frozenset(word for words in ADJECTIVES.values() for word in words)
_SENTIMENT_ADJECTIVES = frozenset(ADJECTIVES["positive"] + ADJECTIVES["negative"])
_VERBS = frozenset(word for words in VERBS.values() for word in words)


def fluent_sentiment(prompt: str, completion: str) -> float:
    """The gold score of ``completion`` after ``prompt``, in [-1, 1]: the mean of its clause
    slots over the strongest a clause can have. A distinct well-formed clause scores its
    valence, halved off the prompt's focus; a malformed clause, a missing end and each clause
    past the third score the worst a clause can (-2)."""
    words = completion.split()
    ended = bool(words) and words[-1] == "."
    clauses = _split(words[:-1] if ended else words)
    subjects, focus = _subjects_for(prompt), focus_subject(prompt)
    slots: list[float] = [] if ended else [-STRONGEST_CLAUSE]
    seen: set[str] = set()
    for index, clause in enumerate(clauses):
        subject = _clause_subject(clause, subjects) if index < MAX_CLAUSES else None
        text = " ".join(clause)
        if subject is None:
            slots.append(-STRONGEST_CLAUSE)
        elif text not in seen:  # a repeated clause counts once
            seen.add(text)
            weight = 1.0 if focus in (None, subject) else OFF_FOCUS_WEIGHT
            slots.append(lexicon_valence(text) * weight)
    return max(-1.0, min(1.0, sum(slots) / len(slots) / STRONGEST_CLAUSE))


def review_clauses(prompt: str, completion: str) -> list[tuple[str, str]] | None:
    """The clauses of ``completion``, each with its subject ("" for "it was a ... experience"),
    if it is a body the grammar could write after ``prompt`` (about the prompt's domain; any
    domain when the prompt names none), else None."""
    words = completion.split()
    if len(words) < 2 or words[-1] != ".":
        return None
    clauses = _split(words[:-1])
    if len(clauses) > MAX_CLAUSES:
        return None
    subjects, found = _subjects_for(prompt), []
    for clause in clauses:
        subject = _clause_subject(clause, subjects)
        if subject is None:
            return None
        found.append((" ".join(clause), subject))
    return found


def _split(words: list[str]) -> list[list[str]]:
    """Words cut into clauses at the grammar's connectives (an empty body: one empty clause)."""
    clauses: list[list[str]] = [[]]
    for word in words:
        if word in _JOINS:
            clauses.append([])
        else:
            clauses[-1].append(word)
    return clauses


def focus_subject(prompt: str) -> str | None:
    """What the prompt's action was about: the domain's subject its last word names
    ("ordered the pasta" -> "the pasta"), else the domain's first ("checked in" -> "the
    room"); None when the prompt names no domain."""
    for domain, actions in ACTIONS.items():
        for action in actions:
            if action in prompt:
                named = f"the {action.split()[-1]}"
                return named if named in SUBJECTS[domain] else SUBJECTS[domain][0]
    return None


def _subjects_for(prompt: str) -> frozenset[str]:
    """The subjects a review of the prompt's domain talks about (its action names it)."""
    for domain, actions in ACTIONS.items():
        if any(action in prompt for action in actions):
            return frozenset(SUBJECTS[domain])
    return frozenset(s for subjects in SUBJECTS.values() for s in subjects)


def _clause_subject(words: list[str], subjects: frozenset[str]) -> str | None:
    """The subject of one of the grammar's five clause shapes (``grammar._clause``): "" for
    the one without ("it was a ... experience"); None if ``words`` is none of them."""
    if not words:
        return None
    if words[0] == "i":  # i <verb> <subject>
        subject = " ".join(words[2:])
        return subject if len(words) >= 3 and words[1] in _VERBS and subject in subjects else None
    if words[:3] == ["it", "was", "a"]:  # it was a [intensifier] <adjective> experience
        return "" if words[-1] == "experience" and _is_described(words[3:-1]) else None
    for verb in ("was", "felt"):  # <subject> was|felt [intensifier] <adjective>
        if verb in words:
            at = words.index(verb)
            subject, rest = " ".join(words[:at]), words[at + 1 :]
            if subject not in subjects:
                return None
            if verb == "was" and rest[:1] == ["not"]:  # <subject> was not <adjective>
                negated = len(rest) == 2 and rest[1] in _SENTIMENT_ADJECTIVES
                return subject if negated else None
            return subject if _is_described(rest) else None
    return None


def _is_described(words: list[str]) -> bool:
    """[intensifier] <adjective>: one adjective, at most one intensifier before it."""
    if len(words) == 2 and words[0] in INTENSIFIERS:
        words = words[1:]
    return len(words) == 1 and words[0] in _ADJECTIVES
