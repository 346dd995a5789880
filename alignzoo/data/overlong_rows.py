"""Rows longer than ``model.max_length`` are cut, and the load says how many and how far.

Prompt and completion are tokenized apart and concatenated (``tokenize_completions``); a row
that does not fit loses prompt tokens from the left first, then completion tokens from the
right. A data set of very long rows trains on little of its prompts (a 5 MB row keeps one
prompt token), so the run warns once, with counts, before the first step.

Before any of that, a row far longer in characters than ``model.max_length`` tokens could
hold (``CHARS_PER_TOKEN`` each, more than any tokenizer averages) is cut in its text, with a
warning naming it: tokenizing a 5 MB row at every step, or sampling on its whole prompt
(attention grows with the square of the length), costs time and memory for tokens that are
cut anyway.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any, TypeVar

from transformers import PreTrainedTokenizerBase

from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord

#: rows tokenized at once while measuring
CHUNK = 1024
SHOWN_ROWS = 5
#: characters a token may cover at most, on average, when a text is cut before tokenizing:
#: English averages about 4 with GPT-2's tokenizer, so a cut text still fills max_length
CHARS_PER_TOKEN = 32

R = TypeVar("R", PreferencePair, PromptRecord, LabelledCompletion)


class OverlongRowsWarning(UserWarning):
    """Some training rows do not fit in ``model.max_length`` tokens and are cut."""


def cut_overlong_text(records: Sequence[R], max_length: int, split: str = "training") -> list[R]:
    """``records`` with every text longer than ``max_length * CHARS_PER_TOKEN`` characters cut
    to that many (a prompt keeps its end, a completion its start, as tokens are cut), and one
    warning naming the rows cut; the rows stay, so indices do not shift."""
    limit = max_length * CHARS_PER_TOKEN
    cut: list[R] = []
    named: list[str] = []
    for row, record in enumerate(records):
        changes: dict[str, Any] = {}  # str values; Any: replace() types every field
        for name in ("prompt", "chosen", "rejected", "completion"):
            text = getattr(record, name, None)
            if isinstance(text, str) and len(text) > limit:
                changes[name] = text[-limit:] if name == "prompt" else text[:limit]
                named.append(f"row {row} {name} ({len(text):,} characters: {text[:20]!r}...)")
        cut.append(dataclasses.replace(record, **changes) if changes else record)
    if named:
        shown = ", ".join(named[:SHOWN_ROWS]) + (", ..." if len(named) > SHOWN_ROWS else "")
        warnings.warn(
            f"{len(named)} text(s) of the {split} rows are far longer than model.max_length="
            f"{max_length} tokens can hold: {shown}; each is cut to {limit:,} characters before "
            "tokenizing (prompts keep their end, completions their start)",
            OverlongRowsWarning,
            stacklevel=2,
        )
    return cut


def warn_overlong_rows(
    records: Sequence[PreferencePair | PromptRecord | LabelledCompletion],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
) -> None:
    """Warn when a record's prompt plus its longest completion and EOS exceed ``max_length``."""
    over: list[tuple[int, int]] = []  # (row, prompt tokens left)
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        prompts = _lengths(tokenizer, [r.prompt for r in chunk], special=True)
        completions = [0] * len(chunk)  # a prompt alone: its completions are sampled later
        for texts in _completions(chunk):
            lengths = _lengths(tokenizer, texts, special=False)
            completions = [max(n + 1, m) for n, m in zip(lengths, completions, strict=True)]
        for i, (prompt, completion) in enumerate(zip(prompts, completions, strict=True)):
            if prompt + completion > max_length:
                completion = min(completion, max_length - 1)
                over.append((start + i, max(max_length - completion, 1) if prompt else 0))
    if not over:
        return
    shown = ", ".join(str(row) for row, _ in over[:SHOWN_ROWS])
    more = ", ..." if len(over) > SHOWN_ROWS else ""
    fewest = min(left for _, left in over)
    warnings.warn(
        f"{len(over)} of {len(records)} training rows are longer than model.max_length="
        f"{max_length} tokens (rows {shown}{more}) and will be cut: prompts from the left, then "
        f"completions from the right; the most cut keeps {fewest} prompt token(s). Raise "
        "model.max_length or shorten those rows",
        OverlongRowsWarning,
        stacklevel=2,
    )


def _completions(
    records: Sequence[PreferencePair | PromptRecord | LabelledCompletion],
) -> list[list[str]]:
    """Each completion column of ``records`` (chosen and rejected; the completion; none)."""
    if isinstance(records[0], PreferencePair):
        pairs = [r for r in records if isinstance(r, PreferencePair)]
        return [[p.chosen for p in pairs], [p.rejected for p in pairs]]
    if isinstance(records[0], LabelledCompletion):
        return [[r.completion for r in records if isinstance(r, LabelledCompletion)]]
    return []


def _lengths(tokenizer: PreTrainedTokenizerBase, texts: list[str], special: bool) -> list[int]:
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=special)["input_ids"]]
