"""The answer checkers on GSM8K- and MATH-shaped rows (written here, in those data sets'
shapes): the data loader reads each row's answer, the verifier reads each completion's."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignzoo.data.loading import load_prompts
from alignzoo.errors import ConfigError
from alignzoo.rewards.extraction import Extraction, extract_answer
from alignzoo_verifiers.answers import (
    ExactMatchVerifier,
    MathVerifier,
    NumericVerifier,
    as_number,
)
from alignzoo_verifiers.config import ExactMatchConfig, MathConfig, NumericConfig

FIXTURES = Path(__file__).parent / "fixtures"


def _scores(verifier, records, completions) -> list[float]:
    fields = [record.fields for record in records]
    return verifier.score_examples([r.prompt for r in records], completions, fields).tolist()


def test_gsm8k_rows_are_checked_after_the_hashes_as_numbers() -> None:
    records = load_prompts(str(FIXTURES / "gsm8k_shaped.jsonl"))
    assert [r.fields["answer"] for r in records] == ["6", "210", "60", "2500", "3.5"]
    completions = [
        "3 boxes of 6 is 18, 24 - 18 = 6\n#### 6",
        "15 a day for 14 days\n#### 210 pages",  # words after the number: not a number
        "The price is\n#### $60",
        "After four years\n#### 2,500",
        "Half of seven\n#### 3.50",
    ]
    numeric = NumericVerifier(NumericConfig(extract=Extraction.after_hashes))
    assert _scores(numeric, records, completions) == [1.0, 0.0, 1.0, 1.0, 1.0]
    exact = ExactMatchVerifier(ExactMatchConfig(extract=Extraction.after_hashes))
    assert _scores(exact, records, completions) == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert numeric.metrics() == {"numeric/correct": 0.8, "numeric/wrong": 0.2}


def test_math_rows_are_checked_by_equivalence_of_the_boxed_answers() -> None:
    records = load_prompts(str(FIXTURES / "math_shaped.jsonl"))
    assert [r.fields["answer"] for r in records] == [
        r"\frac{3}{4}",
        r"5\sqrt{2}",
        "7",
        "(-2, 2)",
        "0.75",
    ]
    assert records[0].fields["level"] == "Level 1"  # every other column is kept
    right = [
        r"So the fraction is $\boxed{0.75}$.",
        r"$\sqrt{50} = \boxed{\sqrt{50}}$",  # unsimplified, still equal
        r"x is \boxed{7}",
        r"\boxed{(-2,2)}",
        r"\boxed{\frac{3}{4}}",
    ]
    wrong = [
        r"\boxed{\frac{4}{3}}",
        r"\boxed{5\sqrt{3}}",
        r"\boxed{-7}",
        r"\boxed{[-2, 2]}",  # closed: another interval
        "0.75 with no box",
    ]
    verifier = MathVerifier(MathConfig())
    assert _scores(verifier, records, right) == [1.0] * 5
    assert _scores(verifier, records, wrong) == [0.0] * 5
    assert verifier.metrics() == {"math/wrong": 0.8, "math/no_answer": 0.2}


def test_math_reads_an_answer_tag_and_the_whole_completion_when_asked() -> None:
    row = [{"answer": r"\frac{1}{2}"}]
    tagged = MathVerifier(MathConfig(extract=Extraction.answer_tag))
    assert tagged.score_examples(["p"], ["<think>1/2</think><answer>0.5</answer>"], row).item() == 1
    whole = MathVerifier(MathConfig(extract=Extraction.whole))
    assert whole.score_examples(["p"], [r"It is $\frac{2}{4}$."], row).item() == 1


def test_a_missing_answer_field_is_named() -> None:
    with pytest.raises(ConfigError) as raised:
        MathVerifier(MathConfig()).score_examples(["p"], ["x"], [{"solution": "s"}])
    assert "reads the field 'answer', but the prompt's row has only ['solution']" in str(
        raised.value
    )


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        (r"a \boxed{1} then \boxed{\frac{2}{3}} end", Extraction.last_boxed, r"\frac{2}{3}"),
        ("work\n#### 42\nthanks", Extraction.after_hashes, "42"),
        ("<answer> 5 </answer> and <answer>6</answer>", Extraction.answer_tag, "6"),
        ("no answer here", Extraction.last_boxed, None),
        ("####   ", Extraction.after_hashes, None),
    ],
)
def test_extraction(text: str, mode: Extraction, expected: str | None) -> None:
    assert extract_answer(text, mode) == expected


def test_numbers_are_read_as_people_write_them() -> None:
    assert as_number("1,234") == 1234 and as_number("$5") == 5 and as_number("12%") == 12
    assert as_number("3/4") == 0.75 and as_number("-3.5e2") == -350
    assert as_number("five") is None and as_number("nan") is None
