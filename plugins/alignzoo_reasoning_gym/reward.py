"""``reward=reasoning_gym``: each task's own verifier (``score_answer``) as the reward."""

from __future__ import annotations

from alignzoo.data.records import Fields
from alignzoo.rewards.extraction import extract_answer
from alignzoo.rewards.verifier import Verifier, reference
from alignzoo_reasoning_gym.config import ReasoningGymRewardConfig
from alignzoo_reasoning_gym.tasks import task_verifier


class ReasoningGymReward(Verifier):
    """The row's task scores the completion's answer: 1 correct, partial credit where the task
    gives it, 0 otherwise."""

    name = "reasoning_gym"

    def __init__(self, config: ReasoningGymRewardConfig) -> None:
        self.config = config

    def check(self, completion: str, row: Fields) -> tuple[float, str]:
        """The task's ``score_answer`` on the extracted answer."""
        task = str(reference(row, "task", self.name))
        answer = extract_answer(completion, self.config.extract, self.config.answer_tag)
        if not answer:
            return 0.0, "no_answer"
        entry = {
            "question": row.get("question", ""),
            "answer": reference(row, "answer", self.name),
            "metadata": row.get("metadata", {}),
        }
        score = float(
            task_verifier(task, dict(row.get("task_config", {}))).score_answer(answer, entry)
        )
        return score, "correct" if score >= 1.0 else "partial" if score > 0 else "wrong"
