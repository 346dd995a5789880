"""Typed configs of the AI-feedback judges (``reward=judge``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from alignzoo.config.ranges import COUNT, POSITIVE, FieldRanges, at_least, check_config_ranges
from alignzoo.config.schema import Device, QuantPreset

PAIRWISE_TEMPLATE = (
    "You compare two responses to a prompt under these principles:\n{principles}\n\n"
    "Prompt: {prompt}\n\nResponse A: {response_a}\n\nResponse B: {response_b}\n\n"
    "Which response follows the principles better? Answer A or B.\nAnswer:"
)
POINTWISE_TEMPLATE = (
    "You rate a response to a prompt under these principles:\n{principles}\n\n"
    "Prompt: {prompt}\n\nResponse: {response}\n\n"
    "Rate how well the response follows the principles, from 1 to 10.\nRating:"
)


class JudgeMode(StrEnum):
    """How a local judge reads its verdict from the model."""

    #: log p(response | principle + prompt) - log p(response | contrast + prompt)
    likelihood = "likelihood"
    #: the probabilities of the choice tokens after a prompt template (" A"/" B", " 1".." 10")
    choice = "choice"


@dataclass
class LocalJudgeConfig:
    """A Hugging Face causal LM as judge; defaults suit the built-in task's tagged base model."""

    #: hub id or local directory of the judge model; None: the built-in task's base model
    model: str | None = None
    mode: JudgeMode = JudgeMode.likelihood
    #: likelihood mode: the principle as a prefix, and the prefix it is contrasted with
    principle_prefix: str = "<positive> "
    contrast_prefix: str = "<negative> "
    #: likelihood mode: rating = tanh(summed log-ratio / likelihood_scale), bounded in (-1, 1)
    likelihood_scale: float = 4.0
    #: choice mode: the constitution and the templates it is written into
    principles: list[str] = field(
        default_factory=lambda: ["Prefer the response that is more helpful, honest and harmless."]
    )
    pairwise_template: str = PAIRWISE_TEMPLATE
    pointwise_template: str = POINTWISE_TEMPLATE
    #: choice mode: single tokens naming response A and B, and the rating scale (lowest first)
    choices: list[str] = field(default_factory=lambda: [" A", " B"])
    scale: list[str] = field(default_factory=lambda: [f" {i}" for i in range(1, 11)])
    batch_size: int = 64
    max_length: int = 512
    #: reuse judgements stored on disk (keyed by judge, template, prompt and responses)
    cache: bool = True
    #: "auto" picks CUDA when present
    device: Device = Device.auto
    #: load the judge's weights as none, 4bit or 8bit (bitsandbytes)
    quant: QuantPreset = QuantPreset["none"]
    trust_remote_code: bool = False

    field_ranges: ClassVar[FieldRanges] = {
        "likelihood_scale": POSITIVE,
        "batch_size": COUNT,
        "max_length": at_least(2),
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key as ``reward=judge`` has it (inside
        ``algorithm=rlaif`` the run's validation names it ``algorithm.judge.<field>``)."""
        check_config_ranges(self, "reward")
