"""The algorithm interface: what an alignment method consumes and how it takes one step.

Like torchtune's recipe interface, this is a contract, not a vehicle for code reuse: shared
pieces (log-probs, generation, tokenizing) are plain functions in ``alignzoo.models``, and the
one gradient-accumulation loop is the updater's ``update``. The runner owns the loop, devices,
logging, token counting, evaluation and checkpoints.

Metric names are shared across algorithms and namespaced with slashes: ``loss``; ``train/*``
(the updater's: ``train/grad_norm``, ``train/lr``); ``rewards/*`` (implicit or explicit
rewards: ``rewards/chosen``, ``rewards/margins``, ``rewards/accuracy``, and each reward source's
``rewards/<name>``); ``logps/*``; ``policy/*`` and ``value/*`` (RL losses and statistics);
``objective/*`` (what an RL step optimises: ``objective/scores``, ``objective/kl``);
``<algorithm>/*`` for anything only one method has (``orpo/nll``); ``eval/*`` (held-out
evaluation); ``perf/*`` (the runner's: ``perf/step_s``, ``perf/tokens_per_s``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from alignzoo.algorithms.batching import B, LossAndMetrics
from alignzoo.algorithms.traits import AlgorithmTraits
from alignzoo.config.schema import EvalConfig
from alignzoo.data.records import Fields, LabelledCompletion, PreferencePair, PromptRecord
from alignzoo.errors import ConfigError
from alignzoo.models.reference import ReferenceModel
from alignzoo.models.sampler import PolicySampler, Sampler
from alignzoo.rewards.source import RewardSource

if TYPE_CHECKING:
    from alignzoo.registry.registry import AlgorithmComponent, PluginRegistry

Record = PreferencePair | PromptRecord | LabelledCompletion
#: the record type an algorithm consumes: PreferencePair, PromptRecord or LabelledCompletion
R = TypeVar("R", PreferencePair, PromptRecord, LabelledCompletion)
Metrics = dict[str, float]


class Updater(Protocol):
    """The runner's optimizer step, handed to ``train_step`` (accumulate, clip, step, schedule).

    ``update`` is the whole step for almost every algorithm. ``backward`` and ``step`` are the
    two halves it is made of, for a step that accumulates in some other way (plugin API 1.0
    algorithms call them directly; they still work).
    """

    def update(self, batch: B, loss_fn: Callable[[B], LossAndMetrics]) -> Metrics:
        """One optimizer step on ``batch``: gradients accumulated over ``train.micro_batch_size``.

        ``loss_fn(micro)`` returns the mean loss over the micro-batch ``micro`` (a 0-d tensor)
        and its metrics (means over ``micro``); the updater weights each micro-batch by its
        share of ``batch`` (never scale the loss yourself), back-propagates, clips and steps.
        Returns the size-weighted mean of every metric, ``loss`` included, and ``train/*``.
        """
        ...

    def backward(self, loss: torch.Tensor) -> None:
        """Accumulate gradients of ``loss`` as given (no scaling is applied)."""

    def step(self) -> Metrics:
        """Clip, apply and clear the accumulated gradients; return ``train/*`` metrics."""
        ...


class Evaluator(Protocol):
    """What ``Algorithm.evaluate`` may call on the runner's held-out evaluator."""

    @property
    def pairs(self) -> Sequence[PreferencePair]:
        """The held-out preference pairs (empty when the data has none)."""
        ...

    @property
    def prompts(self) -> Sequence[str]:
        """The held-out prompts every policy is sampled on."""
        ...

    @property
    def fields(self) -> Sequence[Fields]:
        """Each held-out prompt's per-example fields (its answer, its tests), for a reward
        that checks completions against them (plugin API 1.4)."""
        ...

    @property
    def config(self) -> EvalConfig:
        """``eval.*``: how held-out completions are sampled (``sampling``, ``batch_size``)."""
        ...

    def __call__(self, policy: PreTrainedModel) -> Metrics:
        """``eval/*`` of a causal LM policy: gold reward, KL, win-rate, preference accuracy."""
        ...

    def score_completions(
        self, starting_policy: PreTrainedModel, completions: Sequence[str]
    ) -> Metrics:
        """Gold reward, win rate and proxy reward of one completion per held-out prompt made
        some other way (best-of-n); no KL."""
        ...

    def score_pairs(self, reward: RewardSource) -> Metrics:
        """``eval/preference_accuracy`` of a reward source on the held-out pairs."""
        ...

    def agreement(self, margins: torch.Tensor) -> float:
        """Share of held-out pairs whose ``margins`` (chosen minus rejected) have the gold sign."""
        ...


@dataclass
class AlgorithmContext:
    """Everything the runner builds for an algorithm before training starts."""

    #: the model being trained: a causal LM policy, or a one-output sequence classifier; in a
    #: multi-process run it is wrapped for gradient synchronisation, so train through it
    policy: PreTrainedModel
    #: the frozen starting policy (None for a reward model or a reference-free algorithm)
    reference: ReferenceModel | None
    tokenizer: PreTrainedTokenizerBase
    device: torch.device
    max_length: int
    #: ``train.micro_batch_size``: the updater accumulates over micro-batches of this size
    #: (None: the whole batch); read it only to size other work, e.g. no-grad scoring chunks
    micro_batch_size: int | None = None
    #: the training reward (``reward=<name>``), for algorithms that sample and score; its
    #: ``score`` may return a tensor on any device: move it to ``device`` before use
    reward: RewardSource | None = None
    #: ``policy`` without the process-parallel wrapper (the same object in one process):
    #: generate with it, score without gradients with it, read its config from it
    bare_policy: PreTrainedModel = None  # type: ignore[assignment]  # set in __post_init__
    #: the plugins this run loaded (plugin API 1.4): the one way to another plugin's
    #: component, e.g. the algorithm whose step this one takes (``required_algorithm``)
    registry: PluginRegistry | None = None
    #: the sampling engine (``rollout.engine``; plugin API 1.5): sample through it, never
    #: with ``generate`` on the policy, so that ``rollout.engine=vllm`` reaches every
    #: algorithm; default: ``generate`` on ``bare_policy``
    sampler: Sampler = None  # type: ignore[assignment]  # set in __post_init__

    def __post_init__(self) -> None:
        if self.bare_policy is None:
            self.bare_policy = self.policy
        if self.sampler is None:
            self.sampler = PolicySampler(lambda: self.bare_policy, self.tokenizer)

    def reference_model(self) -> ReferenceModel:
        """``reference``, for an algorithm that needs one (there unless it said it does not)."""
        if self.reference is None:
            raise ConfigError(
                "this run has no reference model: an algorithm with needs_reference = False "
                "(or one training a reward model) cannot use it"
            )
        return self.reference

    def required_algorithm(self, config: Any, default: str) -> tuple[AlgorithmComponent, Any]:
        """The algorithm this one builds on and its config (a field declared with ``requires``;
        None: ``default`` with its defaults), from this run's registry (plugin API 1.4)."""
        if self.registry is None:
            raise ConfigError(f"this context has no plugin registry to find {default!r} in")
        return self.registry.required_algorithm(config, default)

    def reward_source(self) -> RewardSource:
        """``reward``, for an algorithm that samples and scores."""
        if self.reward is None:
            raise ConfigError(
                "this algorithm samples and needs a training reward: add reward=<name>"
            )
        return self.reward


class Algorithm(AlgorithmTraits, ABC, Generic[R]):
    """An alignment method: says what it consumes, and takes one training step on a batch.

    Subclasses set ``consumes`` and implement ``train_step``; the other class-level facts
    (``model_kind``, ``needs_reference``, ``trains``, ``memory_traits``) come from
    :class:`~alignzoo.algorithms.traits.AlgorithmTraits`, which a plugin may keep in a
    torch-free module of its own for the planner. ``self.config`` is an instance
    of the config dataclass the plugin registered (``algorithm.<field>=...`` overrides already
    applied and type-checked by Hydra); ``self.ctx`` is what the runner built for it.
    """

    def __init__(self, config: Any, context: AlgorithmContext) -> None:
        self.config = config
        self.ctx = context

    def prepare(self, train_records: Sequence[R]) -> None:
        """Called once with the whole training set before the first step (default: nothing)."""

    def evaluate(self, evaluator: Evaluator) -> Metrics:
        """Held-out metrics of what this algorithm trains (default: the policy's samples)."""
        return evaluator(self.ctx.bare_policy)

    def save_extras(self, directory: Path) -> None:
        """Write algorithm-specific files beside the saved model, before it is swapped in."""

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint must hold of this algorithm beyond its trained parameters (which
        the runner saves, heads included) for an exact resume: state carried from step to step,
        e.g. an adaptive KL coefficient. Tensors and plain Python values only (it is read back
        with ``torch.load(weights_only=True)``). Default: nothing."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what ``state_dict`` returned, when a run resumes. Default: nothing."""

    def updates_per_step(self) -> int:
        """Optimizer steps one ``train_step`` takes (PPO: epochs x mini-batches)."""
        return 1

    def trainable_parameters(self) -> Iterable[torch.nn.Parameter]:
        """Parameters the runner's optimizer updates (default: the policy's trainable ones)."""
        return (p for p in self.ctx.policy.parameters() if p.requires_grad)

    @abstractmethod
    def train_step(self, batch: Sequence[R], updater: Updater) -> Metrics:
        """Compute the loss on ``batch``, update through ``updater`` and return metrics."""
