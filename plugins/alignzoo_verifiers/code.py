"""``reward=code``: the completion's program and the row's tests, run in the sandbox."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from alignzoo.data.records import Fields
from alignzoo.errors import DataFormatError
from alignzoo.rewards.verifier import Verifier, reference
from alignzoo.sandbox import Limits, run_sandboxed
from alignzoo_verifiers.config import CodeConfig

#: a fenced block, optionally tagged python or py
FENCED = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)


def program_of(completion: str) -> str:
    """The completion's code: its last fenced block, or the whole text when it has none."""
    blocks = FENCED.findall(completion)
    return blocks[-1] if blocks else completion


def tests_of(value: object, field: str) -> str:
    """A row's tests as Python source: one string, or a list of them, one per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(test, str) for test in value):
        return "\n".join(value)
    raise DataFormatError(
        "<prompt row>",
        None,
        field,
        f"expected tests as a string or a list of strings, got {value!r:.80}",
    )


class CodeVerifier(Verifier):
    """1 when the program passes every test in the sandbox, else 0; ``metrics`` gives the
    share of each outcome (``code/passed``, ``code/syntax``, ``code/timeout``, ``code/wrong``,
    ``code/crash``)."""

    name = "code"

    def __init__(self, config: CodeConfig) -> None:
        self.config = config
        self.limits = Limits(config.time_limit_s, config.memory_mb, config.max_processes)

    def check(self, completion: str, row: Fields) -> tuple[float, str]:
        """Run one program against its row's tests."""
        tests = tests_of(
            reference(row, self.config.tests_field, self.name), self.config.tests_field
        )
        result = run_sandboxed(program_of(completion) + "\n\n" + tests + "\n", self.limits)
        return (1.0 if result.outcome == "passed" else 0.0), str(result.outcome)

    def check_all(self, completions: list[str], rows: list[Fields]) -> list[tuple[float, str]]:
        """``workers`` programs at a time."""
        with ThreadPoolExecutor(self.config.workers) as pool:
            return list(pool.map(self.check, completions, rows))
