"""The reasoning task's typed configs (``data=arithmetic``), apart from the code that builds
it: registering the task imports no torch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from alignzoo.config.ranges import COUNT, POSITIVE, FieldRanges, at_least
from alignzoo.tasks.tiny_llama import TinyLlamaConfig


@dataclass
class ArithmeticModelConfig(TinyLlamaConfig):
    """Size and training budget of the task's tiny base model (all part of its cache key).

    250 steps teach the worked format completely but the sums only in part: greedy decoding
    solves 15.5% of the 200 held-out problems, a sample at temperature 1 9.5%, one of 8
    samples 55%: RL has room to climb (docs/builtin-task.md has the runs).
    """

    # the rest (2 layers, 4 heads, 64 positions, batches of 64, seed 1234) as TinyLlamaConfig's
    hidden_size: int = 64
    intermediate_size: int = 192
    corpus_size: int = 20_000
    train_steps: int = 250
    learning_rate: float = 3e-3


@dataclass
class ArithmeticTaskConfig:
    """``data=arithmetic``: sums of ``terms`` numbers from 1 to ``largest``, answered step by
    step, ``3 + 5 + 2 =`` -> `` 3 + 5 = 8 ; 8 + 2 = 10 #### 10``. Held-out problems never
    appear in training (neither in the base model's corpus nor as prompts)."""

    train_prompts: int = 2000
    heldout_prompts: int = 200
    #: numbers summed per problem (the base model's corpus has 2 to 4 of them)
    terms: int = 3
    largest: int = 9
    seed: int = 0
    base_model: ArithmeticModelConfig = field(default_factory=ArithmeticModelConfig)

    field_ranges: ClassVar[FieldRanges] = {
        "train_prompts": COUNT,
        "heldout_prompts": COUNT,
        "terms": at_least(2),
        "largest": POSITIVE,
    }


@dataclass
class ArithmeticGoldConfig:
    """``reward=arithmetic``: the task's own check, usable as the training reward."""
