"""Judge prompts: the principles written into the pairwise or pointwise template.

Shared by every judge that asks a model in words (local choice mode, HTTP endpoints).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class TemplateConfig(Protocol):
    """The config fields a worded judge needs."""

    principles: list[str]
    pairwise_template: str
    pointwise_template: str


def principles_text(config: TemplateConfig) -> str:
    """The constitution as a bulleted list."""
    return "\n".join(f"- {p}" for p in config.principles)


def pairwise_texts(
    config: TemplateConfig, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]
) -> list[str]:
    """One "A or B?" question per pair, ``first`` shown as response A."""
    principles = principles_text(config)
    return [
        config.pairwise_template.format(principles=principles, prompt=p, response_a=a, response_b=b)
        for p, a, b in zip(prompts, first, second, strict=True)
    ]


def pointwise_texts(
    config: TemplateConfig, prompts: Sequence[str], responses: Sequence[str]
) -> list[str]:
    """One "rate 1 to 10" question per response."""
    principles = principles_text(config)
    return [
        config.pointwise_template.format(principles=principles, prompt=p, response=r)
        for p, r in zip(prompts, responses, strict=True)
    ]
