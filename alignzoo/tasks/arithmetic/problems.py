"""The problems and their worked answers (torch-free: the tokenizer's vocabulary is read from
here by the planner too)."""

from __future__ import annotations

import random

from alignzoo.tasks.tiny_llama import SPECIAL_TOKENS

#: the answer follows this mark, as in GSM8K
ANSWER_MARK = "####"
#: the largest number a sum of the corpus reaches (4 terms of at most 19, with room)
LARGEST_NUMBER = 99


def vocabulary() -> list[str]:
    """The tokenizer's words in id order: special tokens, numbers, the signs."""
    numbers = [str(n) for n in range(LARGEST_NUMBER + 1)]
    return [*SPECIAL_TOKENS.values(), *numbers, "+", "=", ";", ANSWER_MARK]


Problem = tuple[int, ...]


def prompt_of(problem: Problem) -> str:
    """``3 + 5 + 2 =``."""
    return " + ".join(map(str, problem)) + " ="


def worked_answer(problem: Problem) -> str:
    """`` 3 + 5 = 8 ; 8 + 2 = 10 #### 10``: one step per term, then the answer."""
    total, steps = problem[0], []
    for term in problem[1:]:
        steps.append(f"{total} + {term} = {total + term}")
        total += term
    return " " + " ; ".join(steps) + f" {ANSWER_MARK} {total}"


def draw(rng: random.Random, terms: int, largest: int) -> Problem:
    """One problem of ``terms`` numbers from 1 to ``largest``."""
    return tuple(rng.randint(1, largest) for _ in range(terms))


def heldout_problems(count: int, terms: int, largest: int, seed: int) -> list[Problem]:
    """``count`` distinct problems kept out of all training."""
    rng, chosen = random.Random(f"heldout-{seed}-{terms}-{largest}"), dict[Problem, None]()
    possible = largest**terms
    while len(chosen) < min(count, possible // 2):
        chosen[draw(rng, terms, largest)] = None
    return list(chosen)


def training_problems(
    count: int, terms: list[int], largest: int, seed: str, held: set[Problem]
) -> list[Problem]:
    """``count`` problems (repeats allowed) of any of ``terms`` lengths, none held out."""
    rng, drawn = random.Random(seed), list[Problem]()
    while len(drawn) < count:
        problem = draw(rng, rng.choice(terms), largest)
        if problem not in held:
            drawn.append(problem)
    return drawn
