"""The DPO step: what training must do, and invariances of its execution options."""

from __future__ import annotations

import math

import pytest
import torch
from accelerate import Accelerator

from alignzoo.algorithms import AlgorithmContext
from alignzoo.models.reference import ReferenceModel
from alignzoo.models.tokenize import tokenize_completions
from alignzoo.runner.token_counter import TokenCounter
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo_dpo.algorithm import DPOAlgorithm, use_packing
from alignzoo_dpo.config import DPOConfig


@pytest.fixture
def eight_pairs(pairs):
    """The shared clear-cut pairs, twice: a batch of eight."""
    return pairs * 2


@pytest.fixture
def make_dpo(tok, tiny_llama, eight_pairs):
    """Build a DPO algorithm on a fresh tiny model (same seed every call) and an SGD updater."""

    def make(config: DPOConfig, micro_batch_size: int | None = None, lr: float = 0.05):
        policy = tiny_llama().train()
        context = AlgorithmContext(
            policy=policy,
            reference=ReferenceModel.frozen_copy_of(policy),
            tokenizer=tok,
            device=torch.device("cpu"),
            max_length=32,
            micro_batch_size=micro_batch_size,
        )
        algorithm = DPOAlgorithm(config, context)
        algorithm.prepare(eight_pairs)
        parameters = list(algorithm.trainable_parameters())
        optimizer = torch.optim.SGD(parameters, lr=lr)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
        updater = OptimizerUpdater(
            Accelerator(cpu=True), optimizer, scheduler, parameters, 1e9, micro_batch_size
        )
        return algorithm, updater

    return make


@pytest.fixture
def losses(make_dpo, eight_pairs):
    """The loss trajectory of ``steps`` full-batch steps under ``config``."""

    def trajectory(config: DPOConfig, steps: int, micro_batch_size: int | None = None):
        algorithm, updater = make_dpo(config, micro_batch_size)
        return [algorithm.train_step(eight_pairs, updater)["loss"] for _ in range(steps)]

    return trajectory


def test_first_loss_is_log_two_when_policy_equals_reference(make_dpo, eight_pairs) -> None:
    algorithm, updater = make_dpo(DPOConfig())
    metrics = algorithm.train_step(eight_pairs, updater)
    assert metrics["loss"] == pytest.approx(math.log(2), abs=1e-6)
    assert metrics["rewards/margins"] == pytest.approx(0.0, abs=1e-6)


def test_training_raises_the_margin_of_chosen_over_rejected(make_dpo, eight_pairs) -> None:
    algorithm, updater = make_dpo(DPOConfig(beta=0.5), lr=0.2)
    first = algorithm.train_step(eight_pairs, updater)
    for _ in range(15):
        last = algorithm.train_step(eight_pairs, updater)
    assert last["loss"] < first["loss"] - 0.1
    assert last["rewards/margins"] > 0.2
    assert last["rewards/accuracy"] == 1.0
    assert last["rewards/chosen"] > last["rewards/rejected"]


def test_micro_batching_follows_the_same_loss_trajectory(losses) -> None:
    """Batch 8 x accumulation 1 and batch 1 x accumulation 8 take the same steps."""
    whole = losses(DPOConfig(), steps=4)
    accumulated = losses(DPOConfig(), steps=4, micro_batch_size=1)
    torch.testing.assert_close(torch.tensor(accumulated), torch.tensor(whole), rtol=1e-5, atol=1e-6)
    assert whole[-1] < whole[0]  # the trajectory moved, so the comparison means something


@pytest.mark.parametrize(
    "variant",
    [
        DPOConfig(concatenated_forward=False),
        DPOConfig(precompute_reference=False, packing=False),
        DPOConfig(packing=True),
        DPOConfig(packing=True, precompute_reference=False),
        DPOConfig(),  # packed, as the tiny model keeps to 4-D masks
    ],
    ids=[
        "separate-forwards",
        "reference-on-the-fly",
        "packed",
        "packed-reference-on-the-fly",
        "default",
    ],
)
def test_execution_options_do_not_change_the_losses(variant: DPOConfig, make_dpo, losses) -> None:
    torch.testing.assert_close(
        torch.tensor(losses(variant, steps=3)),
        torch.tensor(losses(DPOConfig(packing=False), steps=3)),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("loss", ["hinge", "cdpo", "robust"])
def test_every_loss_variant_trains(loss: str, make_dpo, losses, eight_pairs) -> None:
    smoothing = 0.1 if loss in ("cdpo", "robust") else 0.0
    config = DPOConfig(beta=0.5, loss=loss, label_smoothing=smoothing)
    algorithm, updater = make_dpo(config, lr=0.2)
    for _ in range(12):
        metrics = algorithm.train_step(eight_pairs, updater)
    assert metrics["rewards/margins"] > 0.1


def test_ipo_converges_to_its_target_margin(make_dpo, eight_pairs) -> None:
    """IPO regresses the log-ratio margin h to 1/(2 beta): implicit-reward margin beta*h = 1/2."""
    config = DPOConfig(beta=0.5, loss="ipo", length_normalize=False)
    algorithm, updater = make_dpo(config, lr=0.01)
    for _ in range(12):
        metrics = algorithm.train_step(eight_pairs, updater)
    assert metrics["rewards/margins"] == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize("packing", [False, True])
def test_the_runner_counts_the_tokens_of_the_policy_forwards_only(
    packing: bool, make_dpo, eight_pairs
) -> None:
    """Reference scoring runs without gradients and is not training: it is not counted.
    Packed, each pair's prompt is counted once (and its last token's twin), padding never."""
    config = DPOConfig(precompute_reference=False, packing=packing)
    algorithm, updater = make_dpo(config, micro_batch_size=3)
    counter = TokenCounter(algorithm.ctx.policy)
    algorithm.train_step(eight_pairs, updater)
    prompts = [p.prompt for p in eight_pairs]
    rows = tokenize_completions(
        algorithm.ctx.tokenizer,
        prompts + prompts,
        [p.chosen for p in eight_pairs] + [p.rejected for p in eight_pairs],
        algorithm.ctx.max_length,
    )
    padded = int(rows.attention_mask.sum())
    prompt_tokens = sum(len(algorithm.ctx.tokenizer(p).input_ids) for p in prompts)
    expected = padded - prompt_tokens + len(prompts) if packing else padded
    assert counter.take() == expected > 2 * len(eight_pairs) * 5
    assert counter.take() == 0


def test_precomputed_without_a_reference_reads_the_untrained_policy_and_leaves_it_training(
    tok, tiny_llama, eight_pairs
) -> None:
    """Full fine-tuning with precomputed log-probs holds no frozen copy (as TRL): the policy,
    still untrained, gives exactly the copy's figures and goes on training afterwards."""
    assert DPOAlgorithm.needs_reference_for(DPOConfig()) is False
    assert DPOAlgorithm.needs_reference_for(DPOConfig(precompute_reference=False)) is True

    def cached(reference_of):  # the precomputed log-probs, with a given reference
        policy = tiny_llama().train()
        context = AlgorithmContext(
            policy=policy,
            reference=reference_of(policy),
            tokenizer=tok,
            device=torch.device("cpu"),
            max_length=32,
            micro_batch_size=None,
        )
        algorithm = DPOAlgorithm(DPOConfig(), context)
        algorithm.prepare(eight_pairs)
        assert policy.training and all(p.requires_grad for p in policy.parameters())
        return algorithm._cached_reference

    with_copy = cached(ReferenceModel.frozen_copy_of)
    without = cached(lambda policy: None)
    assert without == with_copy and len(without) == len(set(eight_pairs))


def test_pairs_are_packed_by_default_where_the_model_keeps_to_4d_masks(
    tiny_llama, monkeypatch
) -> None:
    model = tiny_llama()
    assert use_packing(DPOConfig(), model)
    assert not use_packing(DPOConfig(packing=False), model)
    assert not use_packing(DPOConfig(concatenated_forward=False), model)
    # a model that fails the probe, or whose kernel refuses a 4-D mask, trains padded
    monkeypatch.setattr("alignzoo_dpo.algorithm.shared_prompts_supported", lambda _: False)
    assert not use_packing(DPOConfig(), model)

    def refuses(_: object) -> bool:
        raise ValueError("this attention kernel takes no 4-D mask")

    monkeypatch.setattr("alignzoo_dpo.algorithm.shared_prompts_supported", refuses)
    assert not use_packing(DPOConfig(), model)
