"""Judge prompts: the principles written into the pairwise or pointwise template.

Shared by every judge that asks a model in words (local choice mode, HTTP endpoints). A
pointwise template may name ``{reference}``: the row's reference answer (the per-example
field ``reward.reference_field``), for judging answers against a known solution.
"""

from __future__ import annotations

from collections.abc import Sequence
from string import Formatter
from typing import Protocol

from alignzoo.errors import ConfigError

#: the placeholders each template may name
PAIRWISE_NAMES = frozenset({"principles", "prompt", "response_a", "response_b"})
POINTWISE_NAMES = frozenset({"principles", "prompt", "response", "reference"})


class TemplateConfig(Protocol):
    """The config fields a worded judge needs."""

    principles: list[str]
    pairwise_template: str
    pointwise_template: str
    reference_field: str


def template_names(template: str) -> set[str]:
    """The placeholders a ``str.format`` template names."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def check_templates(config: TemplateConfig) -> None:
    """Each template names only what its judgement fills in; pairs (RLAIF's) carry no
    reference answer, so only the pointwise template may ask for one."""
    for key, template, allowed in (
        ("pairwise_template", config.pairwise_template, PAIRWISE_NAMES),
        ("pointwise_template", config.pointwise_template, POINTWISE_NAMES),
    ):
        try:
            unknown = template_names(template) - allowed
        except ValueError as error:
            raise ConfigError(f"reward.{key}: {error}") from None
        if unknown:
            raise ConfigError(
                f"reward.{key} names {{{sorted(unknown)[0]}}}; it may name only "
                + ", ".join(f"{{{n}}}" for n in sorted(allowed))
                + (
                    " (a pair has no reference answer: only the pointwise template takes one)"
                    if "reference" in unknown
                    else ""
                )
            )


def reference_field(config: TemplateConfig) -> str | None:
    """The field a pointwise judgement reads its reference from, if its template asks."""
    return (
        config.reference_field if "reference" in template_names(config.pointwise_template) else None
    )


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
    config: TemplateConfig,
    prompts: Sequence[str],
    responses: Sequence[str],
    references: Sequence[str] | None = None,
) -> list[str]:
    """One "rate 1 to 10" question per response, with its reference answer where given."""
    principles = principles_text(config)
    if references is None:
        if reference_field(config) is not None:
            raise ValueError("the pointwise template names {reference}: pass references")
        references = [""] * len(responses)
    return [
        config.pointwise_template.format(principles=principles, prompt=p, response=r, reference=a)
        for p, r, a in zip(prompts, responses, references, strict=True)
    ]
