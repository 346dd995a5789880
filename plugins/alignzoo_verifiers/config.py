"""Typed configs of the verifiers: rewards that check a completion against its row's fields
(``reward.answer_field=ground_truth``), or against a rule of form or length."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from alignzoo.config.ranges import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    FieldRanges,
    check_config_ranges,
)
from alignzoo.errors import ConfigError
from alignzoo.rewards.extraction import Extraction


@dataclass
class AnswerConfig:
    """What every answer checker shares: where the reference is and how the answer is read."""

    #: the row field holding the reference answer (GSM8K and MATH rows: ``answer``)
    answer_field: str = "answer"
    #: how the completion's answer is extracted
    extract: Extraction = Extraction.last_boxed
    #: the tag of ``extract=answer_tag``
    answer_tag: str = "answer"
    #: the reward of a correct answer
    correct: float = 1.0
    #: the reward of a wrong one, or of a completion with no answer to read
    wrong: float = 0.0

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "reward")


@dataclass
class MathConfig(AnswerConfig):
    """``reward=math``: the answer is equivalent to the reference, as math-verify decides
    (LaTeX, plain numbers, fractions, sets, intervals; ``0.5`` equals ``\\frac{1}{2}``)."""

    #: seconds math-verify may spend parsing or comparing one answer (0: no limit; limits
    #: use SIGALRM, so only a run's main thread may have them)
    timeout_s: int = 5

    field_ranges: ClassVar[FieldRanges] = {"timeout_s": NON_NEGATIVE}


@dataclass
class ExactMatchConfig(AnswerConfig):
    """``reward=exact_match``: the answer equals the reference after normalising: case folded
    (unless ``case_sensitive``), surrounding space, quotes and a final period dropped, inner
    whitespace collapsed."""

    case_sensitive: bool = False


@dataclass
class NumericConfig(AnswerConfig):
    """``reward=numeric``: both parse as numbers (thousands separators, a leading ``$`` and a
    trailing ``%`` allowed) and agree within ``abs_tol + rel_tol * |reference|``."""

    rel_tol: float = 1e-6
    abs_tol: float = 1e-9

    field_ranges: ClassVar[FieldRanges] = {"rel_tol": NON_NEGATIVE, "abs_tol": NON_NEGATIVE}


class FormatPreset(StrEnum):
    """Required structures named by ``reward.preset``."""

    #: reasoning in ``<think>...</think>``, then the answer in ``<answer>...</answer>``
    think_answer = "think_answer"
    #: the answer in a final ``\boxed{...}``
    boxed = "boxed"
    #: GSM8K's ``#### <answer>`` on the last line
    hashes = "hashes"


@dataclass
class FormatConfig:
    """``reward=format``: 1 when the whole completion matches a required structure, else 0;
    weighted beside an answer checker in ``reward=composite`` (DeepSeek-R1's format reward)."""

    #: a named structure; ignored when ``pattern`` is set
    preset: FormatPreset = FormatPreset.think_answer
    #: any Python regular expression the whole completion must match (``re.fullmatch``,
    #: ``.`` matching newlines); None: the preset's
    pattern: str | None = None
    #: the rewards of a match and a miss
    match_score: float = 1.0
    miss_score: float = 0.0


@dataclass
class OverlongConfig:
    """``reward=overlong``: DAPO's soft overlong punishment (Yu et al. 2025, eq. 13). With
    L = ``max_tokens`` and C = ``buffer_tokens``, a completion of n tokens gets 0 when
    n <= L - C, (L - C - n) / C when L - C < n <= L, and -1 beyond L. n is the sampled token
    count the rollout hands every reward (``completion_tokens``); set L to the sampling's
    ``max_new_tokens``."""

    max_tokens: int = 64
    buffer_tokens: int = 16
    #: the punishment's scale (DAPO: 1)
    weight: float = 1.0

    field_ranges: ClassVar[FieldRanges] = {
        "max_tokens": COUNT,
        "buffer_tokens": COUNT,
        "weight": POSITIVE,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "reward")
        if self.buffer_tokens > self.max_tokens:
            raise ConfigError(
                f"reward.buffer_tokens={self.buffer_tokens} exceeds reward.max_tokens="
                f"{self.max_tokens}: the buffer is the last stretch before the limit"
            )


@dataclass
class CodeConfig:
    """``reward=code``: the completion's program, then the row's tests, run in the sandbox
    (``alignzoo.sandbox``: a process of its own with time, memory and process limits, no
    network, writes only in a private temporary folder, its whole process group killed at the
    end). 1 when every test passes, else 0; failures are counted by kind in the metrics."""

    #: the row field holding the tests: Python source (asserts), or a list of such strings
    tests_field: str = "tests"
    #: seconds of wall time per program (the CPU limit is the same)
    time_limit_s: float = 5.0
    #: the program's address-space limit
    memory_mb: int = 512
    #: processes and threads the program may run at once (fork bombs stop here)
    max_processes: int = 16
    #: programs run side by side
    workers: int = 2

    field_ranges: ClassVar[FieldRanges] = {
        "time_limit_s": POSITIVE,
        "memory_mb": COUNT,
        "max_processes": COUNT,
        "workers": COUNT,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "reward")
