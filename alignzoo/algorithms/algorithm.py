"""The algorithm interface: what an alignment method consumes and how it takes one step.

Like torchtune's recipe interface, this is a contract, not a vehicle for code reuse: shared
pieces (log-probs, generation, micro-batching) are plain functions in ``alignzoo.models``.
The runner owns the loop, devices, logging, evaluation and checkpoints.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from alignzoo.config.schema import TrainConfig
from alignzoo.data.records import PreferencePair, PromptRecord
from alignzoo.models.reference import ReferenceModel
from alignzoo.rewards.source import RewardSource

Consumes = Literal["pairs", "prompts"]
ModelKind = Literal["causal_lm", "reward_model"]
Record = PreferencePair | PromptRecord
Metrics = dict[str, float]


class Updater(Protocol):
    """The runner's optimizer step, handed to ``train_step`` (backward, clip, step, schedule)."""

    def backward(self, loss: torch.Tensor) -> None:
        """Accumulate gradients of ``loss``."""

    def step(self) -> Metrics:
        """Clip, apply and clear the accumulated gradients; return ``train/*`` metrics."""


@dataclass
class AlgorithmContext:
    """Everything the runner builds for an algorithm before training starts."""

    #: the model being trained: a causal LM policy, or a one-output sequence classifier
    policy: PreTrainedModel
    #: the frozen starting policy (None when training a reward model)
    reference: ReferenceModel | None
    tokenizer: PreTrainedTokenizerBase
    device: torch.device
    max_length: int
    #: split each batch into micro-batches of this size and accumulate (None: whole batch)
    micro_batch_size: int | None = None
    reward: RewardSource | None = None


@dataclass
class MemoryTraits:
    """What one training step holds besides the model, for the memory planner (``alignzoo-plan``).

    Row counts are sequences in one forward pass; the planner multiplies them by tokens.
    """

    #: rows in one forward with gradients (a micro-batch; pairs count chosen and rejected)
    train_rows: int
    #: rows in one forward without gradients (reference log-probs, rollout scoring)
    no_grad_rows: int = 0
    #: the no-gradient forward keeps every layer's hidden state (PPO's value estimates)
    no_grad_keeps_hidden_states: bool = False
    #: prompts sampled at once with a KV cache, and tokens sampled each (0: no sampling)
    rollout_rows: int = 0
    rollout_new_tokens: int = 0
    #: parameters trained beside the model (PPO's value head: hidden size + 1)
    extra_trainable: int = 0


class Algorithm(ABC):
    """An alignment method: says what it consumes, and takes one training step on a batch.

    Subclasses set ``consumes`` and implement ``train_step``. ``config`` is the plugin's own
    typed dataclass, already validated by Hydra.
    """

    consumes: ClassVar[Consumes]
    #: what the runner loads as ``ctx.policy``: a causal LM (with a frozen reference), or a
    #: sequence classifier with one output (reward-model training, no reference)
    model_kind: ClassVar[ModelKind] = "causal_lm"

    def __init__(self, config: Any, context: AlgorithmContext) -> None:
        self.config = config
        self.ctx = context

    def prepare(self, train_records: Sequence[Record]) -> None:  # noqa: B027 - optional hook
        """Called once with the whole training set before the first step (default: nothing)."""

    def evaluate(self, evaluator: Any) -> Metrics:
        """Held-out metrics of what this algorithm trains (default: the policy's samples)."""
        return evaluator(self.ctx.policy)

    def save_extras(self, directory: Path) -> None:  # noqa: B027 - optional hook
        """Write algorithm-specific files beside the saved model, before it is swapped in."""

    @classmethod
    def memory_traits(cls, config: Any, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """Rows in flight during a step (default: one forward with gradients per micro-batch)."""
        rows = train.micro_batch_size or train.batch_size
        return MemoryTraits(train_rows=rows * (2 if cls.consumes == "pairs" else 1))

    def updates_per_step(self) -> int:
        """Optimizer steps one ``train_step`` takes (PPO: epochs x mini-batches)."""
        return 1

    def trainable_parameters(self) -> Iterable[torch.nn.Parameter]:
        """Parameters the runner's optimizer updates (default: the policy's trainable ones)."""
        return (p for p in self.ctx.policy.parameters() if p.requires_grad)

    @abstractmethod
    def train_step(self, batch: Sequence[Record], updater: Updater) -> Metrics:
        """Compute the loss on ``batch``, update through ``updater`` and return metrics."""
