"""A step's gradient does not depend on ``train.micro_batch_size``, for every registered
algorithm: the same step, accumulated over micro-batches of 1, 2 and the whole batch, leaves
the same gradient at every optimizer step it takes (PPO's and REINFORCE++'s mini-batches
included). A new algorithm is covered as soon as it is registered."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import torch
from accelerate import Accelerator
from transformers import LlamaForSequenceClassification

from alignzoo.algorithms import AlgorithmContext, Metrics
from alignzoo.algorithms.sft_term import SFTNormalization
from alignzoo.data.records import LabelledCompletion, PromptRecord
from alignzoo.models.reference import ReferenceModel
from alignzoo.registry.manager import installed_plugins
from alignzoo.rewards import RewardSource
from alignzoo.rewards.judge import Judge
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo_grpo.config import ImportanceLevel, LossType
from tests.unit.conftest import SENTIMENT_PAIRS

ALGORITHMS = sorted(installed_plugins().registry.names("algorithm"))
#: every algorithm at its defaults, and the settings that change how a loss is aggregated
CASES = [(name, {}) for name in ALGORITHMS] + [
    ("grpo", {"loss_type": LossType.bnpo}),
    ("grpo", {"loss_type": LossType.cispo}),
    ("grpo", {"loss_type": LossType.grpo, "importance_sampling_level": ImportanceLevel.sequence}),
    ("dpo", {"loss": ["sigmoid", "sft"], "loss_weights": [1.0, 0.5]}),
    (
        "dpo",
        {
            "loss": ["sigmoid", "sft"],
            "loss_weights": [1.0, 0.5],
            "sft_normalization": SFTNormalization.token,
        },
    ),
    ("simpo", {"sft_weight": 0.5, "sft_normalization": SFTNormalization.token}),
]
#: shrunk for speed; every other field keeps the plugin's default
SMALLER = {"max_new_tokens": 6, "ppo_epochs": 1, "n": 2}


class CharacterCount(RewardSource):
    """Characters in the completion: deterministic, and it varies across samples."""

    name = "characters"

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        return torch.tensor([float(len(c)) for c in completions])


class PrefersLonger(Judge):
    """A judge without a model: the longer response wins (RLAIF's labeller)."""

    identity = "longer"

    def __init__(self, config: Any, registry: Any = None) -> None:
        self.config = config

    def compare(self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]):
        return torch.tensor([float(len(a) > len(b)) for a, b in zip(first, second, strict=True)])

    def rate(self, prompts: Sequence[str], responses: Sequence[str]) -> torch.Tensor:
        return torch.tensor([float(len(r)) for r in responses])


class GradientRecorder(OptimizerUpdater):
    """The runner's updater, but each optimizer step records the gradient and applies none,
    so every update of a step sees the same weights whatever the split."""

    def __init__(self, parameters: list[torch.nn.Parameter], micro_batch_size: int | None):
        optimizer = torch.optim.SGD(parameters, lr=0.0)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
        super().__init__(
            Accelerator(cpu=True), optimizer, scheduler, parameters, 1e9, micro_batch_size
        )
        self.gradients: list[torch.Tensor] = []

    def step(self) -> Metrics:
        grads = [p.grad.flatten() for p in self.parameters if p.grad is not None]
        self.gradients.append(torch.cat(grads).double().clone())
        self.optimizer.zero_grad(set_to_none=True)
        return {}


def shrink(config: Any, overrides: dict[str, Any] | None = None) -> Any:
    """The plugin's default config with the fields in SMALLER (at any depth) shrunk."""
    changes = dict(overrides or {})
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if field.name in SMALLER:
            changes[field.name] = SMALLER[field.name]
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes[field.name] = shrink(value)
    return dataclasses.replace(config, **changes)


def batch_for(consumes: str) -> list[Any]:
    """Four records of the kind an algorithm consumes (rows of unequal lengths)."""
    if consumes == "pairs":
        return list(SENTIMENT_PAIRS)
    if consumes == "prompts":
        return [PromptRecord(pair.prompt) for pair in SENTIMENT_PAIRS]
    return [
        LabelledCompletion(pair.prompt, completion, desirable)
        for pair in SENTIMENT_PAIRS[:2]
        for completion, desirable in ((pair.chosen, True), (pair.rejected + " really", False))
    ]


def gradients(
    name: str,
    overrides: dict[str, Any],
    micro_batch_size: int | None,
    tok,
    tiny_llama,
    tiny_llama_config,
    monkeypatch,
) -> list[torch.Tensor]:
    """Every optimizer step's gradient of one ``train_step`` of ``name`` on a fixed batch."""
    component = installed_plugins().registry.get("algorithm", name)
    algorithm_class: Callable[..., Any] = component.factory
    if name == "rlaif":
        monkeypatch.setattr("alignzoo_rlaif.algorithm.LocalJudge", PrefersLonger)
    if component.traits.model_kind == "reward_model":
        torch.manual_seed(0)
        policy = LlamaForSequenceClassification(tiny_llama_config(num_labels=1))
        reference = None
    else:
        policy = tiny_llama(seed=0)
        with torch.no_grad():  # EOS often, at varied places: completions of unequal lengths
            policy.lm_head.weight[tok.eos_token_id] *= 60
        reference = ReferenceModel.frozen_copy_of(policy)
    context = AlgorithmContext(
        policy=policy.train(),
        reference=reference,
        tokenizer=tok,
        device=torch.device("cpu"),
        max_length=48,
        micro_batch_size=micro_batch_size,
        reward=CharacterCount(),
        registry=installed_plugins().registry,
    )
    algorithm = algorithm_class(shrink(component.config_class(), overrides), context)
    batch = batch_for(algorithm.consumes)
    algorithm.prepare(batch)
    updater = GradientRecorder(list(algorithm.trainable_parameters()), micro_batch_size)
    torch.manual_seed(1)  # the same samples and mini-batch order for every split
    algorithm.train_step(batch, updater)
    return updater.gradients


@pytest.mark.parametrize(("name", "overrides"), CASES)
def test_a_steps_gradient_does_not_depend_on_the_micro_batch_size(
    name: str, overrides: dict[str, Any], tok, tiny_llama, tiny_llama_config, monkeypatch
) -> None:
    component = installed_plugins().registry.get("algorithm", name)
    if not component.traits.trains:
        pytest.skip(f"algorithm={name} takes no training step")

    def run(size: int | None) -> list[torch.Tensor]:
        return gradients(name, overrides, size, tok, tiny_llama, tiny_llama_config, monkeypatch)

    whole = run(None)
    assert whole and all(g.abs().sum() > 0 for g in whole), "the step must have a gradient"
    for size in (1, 2):
        split = run(size)
        assert len(split) == len(whole)
        for step, (expected, got) in enumerate(zip(whole, split, strict=True)):
            # float32 sums in another order: 1e-5 of the gradient's scale
            scale = expected.abs().max().item()
            assert (got - expected).abs().max().item() <= 1e-5 * scale + 1e-7, (
                f"algorithm={name} {overrides}, micro-batches of {size}: optimizer step "
                f"{step}'s gradient differs from the whole batch's"
            )
