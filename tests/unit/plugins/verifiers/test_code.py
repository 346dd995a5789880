"""``reward=code``: the completion's program against the row's tests, in the sandbox."""

from __future__ import annotations

from alignzoo_verifiers.code import CodeVerifier, program_of
from alignzoo_verifiers.config import CodeConfig

TESTS = ["assert add(2, 3) == 5", "assert add(-1, 1) == 0"]


def test_programs_are_run_against_their_rows_tests_and_outcomes_counted() -> None:
    verifier = CodeVerifier(CodeConfig(time_limit_s=2, workers=2))
    completions = [
        "Here it is:\n```python\ndef add(a, b):\n    return a + b\n```",
        "```python\ndef add(a, b):\n    return a - b\n```",
        "```python\ndef add(a, b)\n    return a + b\n```",
        "```python\ndef add(a, b):\n    while True:\n        pass\n```",
        "```python\nimport os\ndef add(a, b):\n    os.system('true')\n```",
    ]
    rows = [{"tests": TESTS}] * 4 + [{"tests": "\n".join(TESTS)}]
    scores = verifier.score_examples(["p"] * 5, completions, rows).tolist()
    assert scores == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert verifier.metrics() == {
        "code/passed": 0.2,
        "code/wrong": 0.2,
        "code/syntax": 0.2,
        "code/timeout": 0.2,
        "code/crash": 0.2,
    }


def test_the_program_is_the_last_fenced_block_or_the_whole_text() -> None:
    assert program_of("a\n```py\nx = 1\n```\nb\n```python\nx = 2\n```") == "x = 2\n"
    assert program_of("x = 3") == "x = 3"
