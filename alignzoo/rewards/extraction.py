"""Reading the answer out of a completion, by the conventions the data sets use (torch-free:
the verifiers' configs name these modes)."""

from __future__ import annotations

import re
from enum import StrEnum

from alignzoo.data.formats import GSM8K_MARK, last_boxed


class Extraction(StrEnum):
    """Where the answer is read from in a completion."""

    #: the content of the last ``\boxed{...}`` (MATH's convention)
    last_boxed = "last_boxed"
    #: the text after the last ``####`` (GSM8K's convention)
    after_hashes = "after_hashes"
    #: the content of the last ``<answer>...</answer>`` (the tag is ``answer_tag``)
    answer_tag = "answer_tag"
    #: the whole completion (math: math-verify finds boxed, LaTeX or a plain expression)
    whole = "whole"


def extract_answer(completion: str, mode: Extraction, tag: str = "answer") -> str | None:
    """The answer ``completion`` gives under ``mode``, stripped; None when it gives none."""
    if mode is Extraction.whole:
        return completion.strip()
    if mode is Extraction.last_boxed:
        found = last_boxed(completion)
    elif mode is Extraction.after_hashes:
        found = completion.rsplit(GSM8K_MARK, 1)[1] if GSM8K_MARK in completion else None
        found = found.strip().splitlines()[0] if found and found.strip() else None
    else:
        matches = re.findall(rf"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", completion, re.DOTALL)
        found = matches[-1] if matches else None
    return found.strip() if found is not None else None
