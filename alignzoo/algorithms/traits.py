"""What is known of an algorithm before it is built: what it consumes, which model it trains,
whether it reads a reference, and what a step holds in memory.

Torch-free on purpose: the memory planner (``alignzoo-plan``) reads these facts without
importing torch, transformers or the algorithm's own module. A plugin that wants that keeps
them on an ``AlgorithmTraits`` subclass in a torch-free module, derives its algorithm from it,
and registers both (``registry.add_algorithm(..., traits=MyTraits)``, plugin API 1.3).
An algorithm that takes another's step (online DPO, RLAIF) asks that one's traits through the
registry its ``memory_traits`` may name as a keyword (plugin API 1.4).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from alignzoo.config.schema import TrainConfig

if TYPE_CHECKING:
    from alignzoo.registry.registry import PluginRegistry

Consumes = Literal["pairs", "prompts", "feedback"]
ModelKind = Literal["causal_lm", "reward_model"]


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


def sampled_batch_memory(
    samples: int,
    train: TrainConfig,
    max_new_tokens: int,
    *,
    scored_without_grad: bool = True,
    update_rows: int | None = None,
) -> MemoryTraits:
    """The step of a critic-free policy-gradient method (GRPO, RLOO, REINFORCE++): all
    ``samples`` completions of the batch sampled at once, scored in one forward without
    gradients when ``scored_without_grad`` (old or reference log-probs), then updated in
    micro-batches of at most ``update_rows`` (default: every sample)."""
    rows = update_rows or samples
    return MemoryTraits(
        train_rows=min(train.micro_batch_size or rows, rows),
        no_grad_rows=samples if scored_without_grad else 0,
        rollout_rows=samples,
        rollout_new_tokens=max_new_tokens,
    )


class AlgorithmTraits:
    """The class-level facts of an algorithm; :class:`~alignzoo.algorithms.Algorithm` derives
    from this, so an algorithm that overrides nothing here has the defaults."""

    consumes: ClassVar[Consumes]
    #: what the runner loads as ``ctx.policy``: a causal LM (with a frozen reference), or a
    #: sequence classifier with one output (reward-model training, no reference)
    model_kind: ClassVar[ModelKind] = "causal_lm"
    #: False for a reference-free method (ORPO, SimPO, SFT): full fine-tuning then loads no
    #: frozen copy and ``ctx.reference`` is None; evaluation loads the reference for itself and
    #: frees it after (``eval.kl``). Under LoRA the reference costs nothing (the base with the
    #: adapter off), so it is kept.
    needs_reference: ClassVar[bool] = True
    #: False for a method that only samples and evaluates (best-of-n): the runner evaluates
    #: it once, at step 0, takes no training step whatever ``train.steps`` says, saves nothing
    trains: ClassVar[bool] = True
    #: False for a pairs consumer that reads only the chosen completion (SFT): the runner
    #: then accepts pairs whose rejected equals chosen, which every comparing loss refuses
    compares_pairs: ClassVar[bool] = True

    @classmethod
    def needs_reward_for(cls, config: Any) -> bool:
        """Whether a run needs a training reward (``reward=<name>``); the runner refuses one
        without it before any model loads. Default: an algorithm that consumes prompts samples
        its own completions and scores them."""
        return cls.consumes == "prompts"

    @classmethod
    def needs_reference_for(cls, config: Any) -> bool:
        """Whether a run with ``config`` reads the reference (default: ``needs_reference``);
        GRPO reads it only for its optional KL term."""
        return cls.needs_reference

    @classmethod
    def memory_traits(cls, config: Any, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """Rows in flight during a step (default: one forward with gradients per micro-batch)."""
        rows = train.micro_batch_size or train.batch_size
        return MemoryTraits(train_rows=rows * (2 if cls.consumes == "pairs" else 1))


def required_registry(registry: PluginRegistry | None) -> PluginRegistry:
    """The registry ``step_memory`` hands a ``memory_traits`` that names it."""
    if registry is None:
        raise TypeError("this memory_traits reads another algorithm's: call it through step_memory")
    return registry


def step_memory(
    traits: type[AlgorithmTraits],
    config: Any,
    train: TrainConfig,
    hidden_size: int,
    registry: PluginRegistry | None,
) -> MemoryTraits:
    """``traits.memory_traits``, handed ``registry=`` when it names that keyword (plugin API
    1.4; like a pluggy hook, a method takes only the arguments it declares, so a 1.3 override
    without it keeps working)."""
    if "registry" in inspect.signature(traits.memory_traits).parameters:
        return traits.memory_traits(config, train, hidden_size, registry=registry)  # type: ignore[call-arg]
    return traits.memory_traits(config, train, hidden_size)
