"""A verifier: a reward that checks each completion against its prompt's row fields (plugin
API 1.4), and counts what it saw. The verifiers plugin and reasoning-gym's reward build on it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

import torch

from alignzoo.data.records import Fields
from alignzoo.errors import ConfigError
from alignzoo.rewards.source import RewardSource


class Verifier(RewardSource):
    """Scores each completion with ``check(completion, row)``; ``outcome`` names the kind of
    each result, and ``metrics`` reports the share of each kind in the last batch
    (``<name>/<kind>``)."""

    #: 1 means solved (an answer checker): as a task's gold reward, evaluation then reports
    #: ``eval/accuracy`` (greedy), ``eval/pass@k`` and ``eval/format_rate`` (answers read)
    checks_correctness: ClassVar[bool] = False

    def check(self, completion: str, row: Fields) -> tuple[float, str]:
        """The reward of one completion given its row's fields, and the outcome's kind."""
        raise NotImplementedError

    def score(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        fields: Sequence[Fields] | None = None,
    ) -> torch.Tensor:
        """The check over the batch, as float32 of shape [N]."""
        rows = list(fields) if fields is not None else [{} for _ in completions]
        results = self.check_all(list(completions), rows)
        self._kinds = Counter(kind for _, kind in results)
        return torch.tensor([value for value, _ in results], dtype=torch.float32)

    def check_all(self, completions: list[str], rows: list[Fields]) -> list[tuple[float, str]]:
        """Every completion's check (a verifier that runs programs runs them side by side)."""
        return [self.check(c, row) for c, row in zip(completions, rows, strict=True)]

    def metrics(self) -> dict[str, float]:
        """The share of each outcome in the last batch."""
        kinds: Counter[str] = getattr(self, "_kinds", None) or Counter()
        total = sum(kinds.values())
        return (
            {f"{self.name}/{kind}": count / total for kind, count in kinds.items()} if total else {}
        )


def reference(row: Fields, field: str, reward: str) -> Any:
    """The row's reference answer, or a one-line error naming the field and the row's fields."""
    if field not in row:
        raise ConfigError(
            f"reward={reward} reads the field {field!r}, but the prompt's row has only "
            f"{sorted(k for k in row if k != 'completion_tokens')}: set reward.answer_field "
            "(or reward.tests_field), or use data whose rows carry it"
        )
    return row[field]
