"""The DPO step: what training must do, and invariances of its execution options."""

from __future__ import annotations

import math

import pytest
import torch
from accelerate import Accelerator
from transformers import LlamaConfig, LlamaForCausalLM

from alignzoo.algorithms import AlgorithmContext
from alignzoo.data.records import PreferencePair
from alignzoo.models.reference import ReferenceModel
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo.tasks.sentiment.base_model import build_tokenizer
from alignzoo_dpo.algorithm import DPOAlgorithm
from alignzoo_dpo.config import DPOConfig, LossName

PAIRS = [
    PreferencePair(
        "yesterday i watched the movie and", " the plot was great .", " the plot was bad ."
    ),
    PreferencePair(
        "last week we stayed at the hotel ,", " i loved the room .", " i hated the room ."
    ),
    PreferencePair(
        "recently i read the book :", " the story felt wonderful .", " the story felt dull ."
    ),
    PreferencePair(
        "on friday my family ate at the restaurant and",
        " the food was good .",
        " the food was awful .",
    ),
] * 2


def _algorithm(config: DPOConfig, micro_batch_size: int | None = None, lr: float = 0.05):
    """A DPO algorithm on a fresh tiny model (same seed every call) and a plain SGD updater."""
    tokenizer = build_tokenizer()
    torch.manual_seed(0)
    policy = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=2,
            max_position_embeddings=64,
            pad_token_id=tokenizer.pad_token_id,
        )
    )
    context = AlgorithmContext(
        policy=policy,
        reference=ReferenceModel.frozen_copy_of(policy),
        tokenizer=tokenizer,
        device=torch.device("cpu"),
        max_length=32,
        micro_batch_size=micro_batch_size,
    )
    algorithm = DPOAlgorithm(config, context)
    algorithm.prepare(PAIRS)
    parameters = list(algorithm.trainable_parameters())
    optimizer = torch.optim.SGD(parameters, lr=lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    updater = OptimizerUpdater(Accelerator(cpu=True), optimizer, scheduler, parameters, 1e9)
    return algorithm, updater


def _losses(config: DPOConfig, steps: int, micro_batch_size: int | None = None) -> list[float]:
    algorithm, updater = _algorithm(config, micro_batch_size)
    return [algorithm.train_step(PAIRS, updater)["loss"] for _ in range(steps)]


def test_first_loss_is_log_two_when_policy_equals_reference() -> None:
    algorithm, updater = _algorithm(DPOConfig())
    metrics = algorithm.train_step(PAIRS, updater)
    assert metrics["loss"] == pytest.approx(math.log(2), abs=1e-6)
    assert metrics["rewards/margins"] == pytest.approx(0.0, abs=1e-6)


def test_training_raises_the_margin_of_chosen_over_rejected() -> None:
    algorithm, updater = _algorithm(DPOConfig(beta=0.5), lr=0.2)
    first = algorithm.train_step(PAIRS, updater)
    for _ in range(15):
        last = algorithm.train_step(PAIRS, updater)
    assert last["loss"] < first["loss"] - 0.1
    assert last["rewards/margins"] > 0.2
    assert last["rewards/accuracy"] == 1.0
    assert last["rewards/chosen"] > last["rewards/rejected"]


def test_micro_batching_follows_the_same_loss_trajectory() -> None:
    """Batch 8 x accumulation 1 and batch 1 x accumulation 8 take the same steps."""
    whole = _losses(DPOConfig(), steps=4)
    accumulated = _losses(DPOConfig(), steps=4, micro_batch_size=1)
    torch.testing.assert_close(torch.tensor(accumulated), torch.tensor(whole), rtol=1e-5, atol=1e-6)
    assert whole[-1] < whole[0]  # the trajectory moved, so the comparison means something


@pytest.mark.parametrize(
    "variant",
    [DPOConfig(concatenated_forward=False), DPOConfig(precompute_reference=False)],
    ids=["separate-forwards", "reference-on-the-fly"],
)
def test_execution_options_do_not_change_the_losses(variant: DPOConfig) -> None:
    torch.testing.assert_close(
        torch.tensor(_losses(variant, steps=3)),
        torch.tensor(_losses(DPOConfig(), steps=3)),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("loss", ["hinge", "cdpo", "robust"])
def test_every_loss_variant_trains(loss: str) -> None:
    smoothing = 0.1 if loss in ("cdpo", "robust") else 0.0
    config = DPOConfig(beta=0.5, loss=LossName[loss], label_smoothing=smoothing)
    algorithm, updater = _algorithm(config, lr=0.2)
    for _ in range(12):
        metrics = algorithm.train_step(PAIRS, updater)
    assert metrics["rewards/margins"] > 0.1


def test_ipo_converges_to_its_target_margin() -> None:
    """IPO regresses the log-ratio margin h to 1/(2 beta): implicit-reward margin beta*h = 1/2."""
    algorithm, updater = _algorithm(DPOConfig(beta=0.5, loss=LossName["ipo"]), lr=0.01)
    for _ in range(12):
        metrics = algorithm.train_step(PAIRS, updater)
    assert metrics["rewards/margins"] == pytest.approx(0.5, abs=0.01)


def test_reports_policy_tokens_for_throughput() -> None:
    algorithm, updater = _algorithm(DPOConfig())
    metrics = algorithm.train_step(PAIRS, updater)
    assert metrics["perf/tokens"] > 2 * len(PAIRS) * 5  # two rows of > 5 tokens per pair
