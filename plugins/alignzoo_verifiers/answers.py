"""The answer checkers: ``math`` (equivalence through math-verify), ``exact_match`` and
``numeric``."""

from __future__ import annotations

import math
import re

from alignzoo.data.records import Fields
from alignzoo.rewards.extraction import extract_answer
from alignzoo.rewards.verifier import Verifier, reference
from alignzoo_verifiers.config import AnswerConfig, ExactMatchConfig, MathConfig, NumericConfig


class AnswerVerifier(Verifier):
    """Reads the completion's answer and compares it with the row's reference."""

    config: AnswerConfig

    def __init__(self, config: AnswerConfig) -> None:
        self.config = config

    def same(self, answer: str, expected: str) -> bool:
        """Whether ``answer`` is the reference ``expected``."""
        raise NotImplementedError

    def check(self, completion: str, row: Fields) -> tuple[float, str]:
        """``correct`` for the right answer; ``wrong`` for another or none (``no_answer``)."""
        expected = str(reference(row, self.config.answer_field, self.name))
        answer = extract_answer(completion, self.config.extract, self.config.answer_tag)
        if answer is None or not answer:
            return self.config.wrong, "no_answer"
        if self.same(answer, expected):
            return self.config.correct, "correct"
        return self.config.wrong, "wrong"


class MathVerifier(AnswerVerifier):
    """Mathematical equivalence, as math-verify (Hugging Face's, used by open-r1) parses and
    compares: ``\\frac{1}{2}``, ``0.5`` and ``1/2`` agree."""

    name = "math"
    config: MathConfig

    def same(self, answer: str, expected: str) -> bool:
        """Both parsed by math-verify (each as LaTeX, else as a plain expression) and equal."""
        from math_verify import parse, verify

        timeout = self.config.timeout_s or None
        gold = parse(_as_latex(expected), parsing_timeout=timeout)
        given = parse(_as_latex(answer), parsing_timeout=timeout)
        return bool(gold and given and verify(gold, given, timeout_seconds=timeout))


def _as_latex(text: str) -> str:
    """An extracted answer in ``$...$`` unless it already carries delimiters, so math-verify
    reads it as the whole answer rather than searching it for one."""
    return text if "$" in text or "\\boxed" in text else f"${text}$"


def normalized(text: str, case_sensitive: bool) -> str:
    """Surrounding space, quotes and a final period dropped, inner space collapsed."""
    text = re.sub(r"\s+", " ", text.strip().strip("\"'").rstrip(".").strip())
    return text if case_sensitive else text.casefold()


class ExactMatchVerifier(AnswerVerifier):
    """The same string after normalising."""

    name = "exact_match"
    config: ExactMatchConfig

    def same(self, answer: str, expected: str) -> bool:
        """Equal once both are normalised."""
        sensitive = self.config.case_sensitive
        return normalized(answer, sensitive) == normalized(expected, sensitive)


def as_number(text: str) -> float | None:
    """``text`` as a number: ``1,234``, ``$5``, ``12%``, ``-3.5e2`` and ``3/4``; None if not."""
    cleaned = text.strip().strip("$").rstrip("%").replace(",", "").strip().rstrip(".")
    fraction = re.fullmatch(r"([-+]?\d+)\s*/\s*(\d+)", cleaned)
    if fraction and int(fraction[2]) != 0:
        return int(fraction[1]) / int(fraction[2])
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class NumericVerifier(AnswerVerifier):
    """Numbers within tolerance."""

    name = "numeric"
    config: NumericConfig

    def same(self, answer: str, expected: str) -> bool:
        """Both numbers, within ``abs_tol + rel_tol * |expected|``."""
        given, gold = as_number(answer), as_number(expected)
        if given is None or gold is None:
            return False
        return abs(given - gold) <= self.config.abs_tol + self.config.rel_tol * abs(gold)
