"""Where completions come from: a sampling engine behind one call (``rollout.engine``).

``hf`` samples with transformers' ``generate`` on the policy itself; ``vllm`` with a vLLM
engine holding a copy of the policy's weights, synced before every rollout. Every sampling
algorithm (through ``collect_rollout``) and evaluation sample through ``ctx.sampler``, so
the engine is a setting, not a code path of theirs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from alignzoo.config.schema import RolloutConfig, RolloutEngine, SamplingConfig
from alignzoo.models.generation import sample_completions
from alignzoo.models.tokenize import TokenizedCompletions


@dataclass
class Samples:
    """One completion per prompt: the texts, the token rows that produced them, and the
    engine's own log-probs of the sampled tokens where the engine is not the policy."""

    texts: list[str]
    #: left-padded prompt + sampled tokens (EOS included), as ``sample_completions`` gives
    rows: TokenizedCompletions
    #: the engine's log-probs of each sampled token under ``logits / temperature``, over
    #: next-token positions ([N, T-1], 0 off the sampled tokens); None: the policy sampled
    logprobs: torch.Tensor | None = None


class Sampler(ABC):
    """A sampling engine: ``sample`` draws one completion of each prompt from the policy as
    it is now (an engine holding a copy syncs it first)."""

    #: the ``rollout.engine`` name
    name: str
    #: ``rollout.importance_cap`` where rollouts correct for the engine's log-probs, else None
    importance_cap: float | None = None

    def __init__(self) -> None:
        self._metrics: dict[str, float] = {}

    def record(self, metrics: dict[str, float]) -> None:
        """Figures about the last rollout (how far the engine's log-probs are from the
        trainer's), for the step's metrics."""
        self._metrics |= metrics

    def take_metrics(self) -> dict[str, float]:
        """What ``record`` kept since the last call (the runner logs it with the step)."""
        metrics, self._metrics = self._metrics, {}
        return metrics

    @abstractmethod
    def sample(
        self,
        prompts: Sequence[str],
        sampling: SamplingConfig,
        *,
        batch_size: int,
        max_prompt_tokens: int | None = None,
        seed: int | None = None,
    ) -> Samples:
        """One completion per prompt, in order; ``seed`` makes the draw repeatable."""

    def policy_changed(self) -> None:  # noqa: B027 - optional hook
        """The policy's weights changed (an optimizer step, a checkpoint restored): an engine
        holding a copy syncs before its next ``sample``. Default: nothing to sync."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Free the engine's memory (default: nothing)."""


class PolicySampler(Sampler):
    """``rollout.engine=hf``: transformers' ``generate`` (KV cache, stop at EOS) on the policy
    itself, so its samples need no weight sync and no importance correction."""

    name = "hf"

    def __init__(
        self, policy: Callable[[], PreTrainedModel], tokenizer: PreTrainedTokenizerBase
    ) -> None:
        """``policy`` returns the model to sample from (the context's bare policy)."""
        super().__init__()
        self.policy, self.tokenizer = policy, tokenizer

    def sample(
        self,
        prompts: Sequence[str],
        sampling: SamplingConfig,
        *,
        batch_size: int,
        max_prompt_tokens: int | None = None,
        seed: int | None = None,
    ) -> Samples:
        """``sample_completions`` on the policy."""
        texts, rows = sample_completions(
            self.policy(),
            self.tokenizer,
            prompts,
            sampling,
            batch_size,
            seed=seed,
            max_prompt_tokens=max_prompt_tokens,
        )
        return Samples(texts, rows)


def sampler_for(
    config: RolloutConfig,
    policy: Callable[[], PreTrainedModel],
    tokenizer: PreTrainedTokenizerBase,
    name_or_path: str,
    max_length: int,
) -> Sampler:
    """The engine ``rollout.engine`` names, with its importance correction set; vLLM is
    imported only when asked for (``pip install alignzoo[vllm]``)."""
    sampler: Sampler
    if config.engine is RolloutEngine.vllm:
        from alignzoo.models.vllm_sampler import VLLMSampler

        sampler = VLLMSampler(config.vllm, policy, tokenizer, name_or_path, max_length)
    else:
        sampler = PolicySampler(policy, tokenizer)
    sampler.importance_cap = config.importance_cap if config.corrects_importance else None
    return sampler
