"""The reasoning task's gold reward: 1 for the right sum after ``####``, else 0."""

from __future__ import annotations

from alignzoo.data.records import Fields
from alignzoo.rewards.extraction import Extraction, extract_answer
from alignzoo.rewards.verifier import Verifier, reference
from alignzoo.tasks.arithmetic.config import ArithmeticGoldConfig


class ArithmeticGold(Verifier):
    """Correct when the first word after the last ``####`` is the row's answer."""

    name = "arithmetic"
    #: evaluation reports held-out accuracy, pass@k and the format rate for a 0/1 gold
    checks_correctness = True

    def __init__(self, config: ArithmeticGoldConfig | None = None) -> None:
        self.config = config or ArithmeticGoldConfig()

    def check(self, completion: str, row: Fields) -> tuple[float, str]:
        """1 and ``correct``, or 0 and ``wrong`` / ``no_answer``."""
        answer = extract_answer(completion, Extraction.after_hashes)
        if not answer:
            return 0.0, "no_answer"
        right = answer.split()[0] == str(reference(row, "answer", self.name))
        return (1.0, "correct") if right else (0.0, "wrong")
