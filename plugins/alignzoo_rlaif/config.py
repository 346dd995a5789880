"""Typed configs of the AI-feedback judges (``reward=judge``, ``reward=http_judge``).

Torch-free: registering the plugin imports this module, and listing plugins must stay cheap.


With ``RLAIFTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from omegaconf import MISSING

from alignzoo.algorithms.traits import (
    AlgorithmTraits,
    MemoryTraits,
    required_registry,
    step_memory,
)
from alignzoo.config.ranges import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    FieldRanges,
    at_least,
    between,
    check_config_ranges,
)
from alignzoo.config.schema import Device, QuantPreset, TrainConfig
from alignzoo.registry import PluginRegistry
from alignzoo_rlaif.templates import check_templates

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
    #: may name {reference}: the row's reference answer, from the field below
    pointwise_template: str = POINTWISE_TEMPLATE
    #: the per-example field a pointwise template's {reference} is filled from
    reference_field: str = "answer"
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
        check_templates(self)


@dataclass
class HTTPJudgeConfig:
    """``reward=http_judge reward.base_url=http://host:8000/v1 reward.model=<served name>``."""

    base_url: str = MISSING
    model: str = MISSING
    #: the NAME of the environment variable holding the API key (None: send no key)
    api_key_env: str | None = "OPENAI_API_KEY"
    principles: list[str] = field(
        default_factory=lambda: ["Prefer the response that is more helpful, honest and harmless."]
    )
    pairwise_template: str = PAIRWISE_TEMPLATE
    #: may name {reference}: the row's reference answer, from the field below
    pointwise_template: str = POINTWISE_TEMPLATE
    #: the per-example field a pointwise template's {reference} is filled from
    reference_field: str = "answer"
    choices: list[str] = field(default_factory=lambda: ["A", "B"])
    scale: list[str] = field(default_factory=lambda: [str(i) for i in range(1, 11)])
    #: ask for logprobs of the first answer token; without them the answer is parsed strictly
    use_logprobs: bool = True
    top_logprobs: int = 20
    timeout_s: float = 30.0
    max_retries: int = 3
    #: waits backoff_s, 2*backoff_s, 4*backoff_s, ... between attempts
    backoff_s: float = 1.0
    #: requests in flight at once
    concurrency: int = 8
    cache: bool = True
    #: an answer that names no option (none among the top logprobs, a text that is not one)
    #: is asked again this many times, then scored as unknown: a 0.5 preference, the middle
    #: of the rating scale (and logged as judge/unreadable, the share of a step's answers)
    unreadable_retries: int = 1
    #: stop the run, naming this field, when more than this share of the judge's answers so
    #: far could not be read (judged from the 20th answer on); 1 never stops
    max_unreadable_rate: float = 0.2

    field_ranges: ClassVar[FieldRanges] = {
        "top_logprobs": between(0, 20),  # what OpenAI-compatible servers accept
        "timeout_s": POSITIVE,
        "max_retries": NON_NEGATIVE,
        "backoff_s": NON_NEGATIVE,
        "concurrency": COUNT,
        "unreadable_retries": NON_NEGATIVE,
        "max_unreadable_rate": between(0, 1),
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any request is made."""
        check_config_ranges(self, "reward")
        check_templates(self)


#: the algorithm that learns from the judge's labels, reached through the registry (here,
#: not in ``algorithm.py``, so that registering imports no torch)
DPO = "dpo"


@dataclass
class RLAIFConfig:
    """AI-labelled preferences (Lee et al. 2023) optimised with DPO.

    ``algorithm.judge.*`` configures the labeller, ``algorithm.dpo.*`` the optimizer: the DPO
    plugin's own config, which the registry types this field with once plugins have loaded
    (None: DPO's defaults).
    """

    judge: LocalJudgeConfig = field(default_factory=LocalJudgeConfig)
    dpo: Any = None

    def __post_init__(self) -> None:
        """A nonsense judge value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


class RLAIFTraits(AlgorithmTraits):
    """RLAIFAlgorithm's class-level facts."""

    consumes = "pairs"

    @classmethod
    def memory_traits(
        cls,
        config: RLAIFConfig,
        train: TrainConfig,
        hidden_size: int,
        registry: PluginRegistry | None = None,
    ) -> MemoryTraits:
        """DPO's, on the policy (the judge is a separate model, loaded beside it)."""
        dpo, dpo_config = required_registry(registry).required_algorithm(config.dpo, DPO)
        return step_memory(dpo.traits, dpo_config, train, hidden_size, registry)
