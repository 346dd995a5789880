"""A plain typed function ``(prompt, completion, *, <row fields>, <options>) -> float`` as a
reward source.

TRL's reward functions are plain callables too, handed the dataset's columns as keyword
arguments; here the same holds (plugin API 1.4: a parameter without a default, or
``**kwargs``, receives the prompt's row fields, e.g. its ``answer``), and the parameters with
defaults become a typed config, so ``reward=<name> reward.<option>=...`` is checked at
compose time like any other reward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import torch

from alignzoo.data.records import Fields
from alignzoo.errors import ConfigError
from alignzoo.rewards.function_config import RewardFunction, row_parameters
from alignzoo.rewards.source import RewardSource


def score_each(
    rule: Callable[[str, str], float], prompts: Sequence[str], completions: Sequence[str]
) -> torch.Tensor:
    """``rule`` on every (prompt, completion) pair, as a float32 CPU tensor of shape [N]."""
    if len(prompts) != len(completions):
        raise ValueError(f"{len(prompts)} prompts but {len(completions)} completions")
    values = [float(rule(p, c)) for p, c in zip(prompts, completions, strict=True)]
    return torch.tensor(values, dtype=torch.float32)


class FunctionReward(RewardSource):
    """Scores each pair with ``function(prompt, completion, **row fields, **config options)``."""

    def __init__(self, name: str, function: RewardFunction, config: Any | None) -> None:
        """``config``: the dataclass of the function's options (None: it has none)."""
        self.name, self.function = name, function
        options = dataclasses.fields(config) if config is not None else ()
        self.options = {f.name: getattr(config, f.name) for f in options}
        self.row_fields, self.takes_every_field = row_parameters(function, self.options)

    def score(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        fields: Sequence[Fields] | None = None,
    ) -> torch.Tensor:
        """The function over the batch, each call with its prompt's row fields."""
        rows = fields if fields is not None else [{} for _ in completions]
        if len(rows) != len(completions):
            raise ValueError(f"{len(rows)} rows of fields for {len(completions)} completions")
        keywords = [self._keywords(row) for row in rows]
        values = [
            float(self.function(p, c, **k))
            for p, c, k in zip(prompts, completions, keywords, strict=True)
        ]
        return torch.tensor(values, dtype=torch.float32)

    def _keywords(self, row: Fields) -> dict[str, Any]:
        """The options, and the row fields the function takes (named, or all by ``**``)."""
        missing = [name for name in self.row_fields if name not in row]
        if missing:
            raise ConfigError(
                f"reward={self.name}: {self.function.__qualname__} takes the per-example "
                f"field {missing[0]!r}, but the prompt's row has only {sorted(row)}"
            )
        given = row if self.takes_every_field else {n: row[n] for n in self.row_fields}
        return {n: v for n, v in given.items() if n not in self.options} | self.options
