"""The plugin contract as a third party meets it: tokens counted for them, one accumulation
loop, reference-free algorithms, and plugins written for API 1.0 still running."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from hydra import compose, initialize_config_module

from alignzoo.algorithms import Algorithm, LossAndMetrics, Metrics, Updater
from alignzoo.algorithms.batching import micro_batches
from alignzoo.config.prepare import prepare
from alignzoo.data.records import PreferencePair
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.tokenize import tokenize_completions
from alignzoo.registry import LoadedPlugins, create_plugin_manager, hookimpl, load_plugins
from alignzoo.runner.run import run


@dataclass
class ChosenNLLConfig:
    """SFT on the chosen responses: the simplest reference-free algorithm."""

    scale: float = 1.0


class ChosenNLL(Algorithm):
    """Written on plugin API 1.1: a loss function, ``updater.update``, no token bookkeeping."""

    consumes = "pairs"
    needs_reference = False
    #: what the test inspects afterwards: the tokens its forwards saw, the reference it got
    seen_tokens: int = 0
    reference_seen: Any = "unset"

    def train_step(self, batch: Sequence[PreferencePair], updater: Updater) -> Metrics:
        type(self).reference_seen = self.ctx.reference
        return updater.update(batch, self.loss_on)

    def loss_on(self, pairs: Sequence[PreferencePair]) -> LossAndMetrics:
        tokens = _tokens(self, pairs)
        type(self).seen_tokens += int(tokens.attention_mask.sum())
        lengths = tokens.completion_mask[:, 1:].sum(-1).clamp(min=1)
        nll = -sequence_logprobs(self.ctx.policy, tokens) / lengths
        return self.config.scale * nll.mean(), {"sft/completion_tokens": lengths.float().mean()}


class ChosenNLLOnAPI10(Algorithm):
    """The same method as a plugin-API-1.0 author wrote it: its own loop, scaled by hand."""

    consumes = "pairs"

    def train_step(self, batch: Sequence[PreferencePair], updater: Updater) -> Metrics:
        total = 0.0
        for micro in micro_batches(batch, self.ctx.micro_batch_size):
            tokens = _tokens(self, micro)
            lengths = tokens.completion_mask[:, 1:].sum(-1).clamp(min=1)
            loss = (-sequence_logprobs(self.ctx.policy, tokens) / lengths).mean()
            updater.backward(loss * len(micro) / len(batch))
            total += loss.item() * len(micro) / len(batch)
        return {"loss": total} | updater.step()


def _tokens(algorithm: Algorithm, pairs: Sequence[PreferencePair]) -> Any:
    ctx = algorithm.ctx
    return tokenize_completions(
        ctx.tokenizer, [p.prompt for p in pairs], [p.chosen for p in pairs], ctx.max_length
    ).to(ctx.device)


class _ContractPlugin:
    ALIGNZOO_PLUGIN_API = "1.1"

    @hookimpl
    def alignzoo_register_algorithms(self, registry: Any) -> None:
        registry.add_algorithm("chosen_nll", ChosenNLL, ChosenNLLConfig)


class _Api10Plugin:
    ALIGNZOO_PLUGIN_API = "1.0"

    @hookimpl
    def alignzoo_register_algorithms(self, registry: Any) -> None:
        registry.add_algorithm("chosen_nll_v10", ChosenNLLOnAPI10, _Api10Config)


@dataclass
class _Api10Config:
    pass


@pytest.fixture(scope="module")
def plugins() -> LoadedPlugins:
    """Every installed plugin plus the two above, registered as a third party's would be."""
    prepare()  # the run schema
    manager = create_plugin_manager()
    manager.register(_ContractPlugin(), name="contract")
    manager.register(_Api10Plugin(), name="contract_v10")
    return load_plugins(manager)


def _run(plugins: LoadedPlugins, run_dir: Path, tiny_task: list[str], *overrides: str):
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose(
            "config",
            overrides=[
                *tiny_task,
                "train.steps=4",
                "train.batch_size=8",
                "eval.every=100",
                "train.learning_rate=0.01",
                *overrides,
            ],
        )
    summary = run(cfg, plugins, run_dir)
    rows = (run_dir / "metrics.jsonl").read_text().splitlines()
    return summary, [json.loads(row) for row in rows]


def test_a_plugin_that_never_reports_tokens_gets_a_real_throughput(
    plugins: LoadedPlugins, tmp_path: Path, tiny_task: list[str]
) -> None:
    ChosenNLL.seen_tokens = 0
    summary, _ = _run(plugins, tmp_path, tiny_task, "algorithm=chosen_nll")
    assert ChosenNLL.seen_tokens > 4 * 8 * 3  # 4 steps of 8 rows of several tokens
    counted = summary["tokens_per_s"] * summary["train_time_s"]
    assert counted == pytest.approx(ChosenNLL.seen_tokens, rel=1e-6)


def test_micro_batching_follows_the_same_loss_trajectory(
    plugins: LoadedPlugins, tmp_path: Path, tiny_task: list[str]
) -> None:
    """Batch 8 in one piece, and in micro-batches of 3, 3 and 2, take the same steps."""
    _, whole = _run(plugins, tmp_path / "whole", tiny_task, "algorithm=chosen_nll")
    _, split = _run(
        plugins, tmp_path / "split", tiny_task, "algorithm=chosen_nll", "train.micro_batch_size=3"
    )
    losses = [[row["loss"] for row in rows if "loss" in row] for rows in (whole, split)]
    assert len(losses[0]) == 4
    torch.testing.assert_close(
        torch.tensor(losses[1]), torch.tensor(losses[0]), rtol=1e-4, atol=1e-5
    )
    # the steps changed the model, so agreeing means something: frozen, step 4 differs
    _, frozen = _run(
        plugins, tmp_path / "frozen", tiny_task, "algorithm=chosen_nll", "train.learning_rate=0"
    )
    assert abs([row["loss"] for row in frozen if "loss" in row][-1] - losses[0][-1]) > 1e-3


def test_a_reference_free_algorithm_trains_without_a_reference_and_evaluation_borrows_one(
    plugins: LoadedPlugins, tmp_path: Path, tiny_task: list[str]
) -> None:
    summary, _ = _run(plugins, tmp_path, tiny_task, "algorithm=chosen_nll")
    assert ChosenNLL.reference_seen is None  # training held none
    # eval.kl (the default) loads the reference for each evaluation: step 0 is at KL 0
    assert summary["initial"]["eval/kl"] == pytest.approx(0.0, abs=1e-4)
    assert summary["final"]["eval/kl"] > 0
    assert "eval/preference_accuracy" in summary["final"]
    assert (tmp_path / "policy" / "config.json").exists()


def test_without_eval_kl_a_reference_free_run_reports_no_kl(
    plugins: LoadedPlugins, tmp_path: Path, tiny_task: list[str]
) -> None:
    summary, _ = _run(plugins, tmp_path, tiny_task, "algorithm=chosen_nll", "eval.kl=false")
    assert ChosenNLL.reference_seen is None
    assert "eval/kl" not in summary["final"] and "eval/preference_accuracy" not in summary["final"]
    # the starting policy's samples stand in for the reference's: step 0 ties with itself
    assert summary["initial"]["eval/win_rate"] == pytest.approx(0.5, abs=0.2)
    assert summary["final"]["eval/gold_reward"] == summary["final"]["eval/gold_reward"]  # a number


def test_under_lora_a_reference_free_algorithm_keeps_the_free_reference(
    plugins: LoadedPlugins, tmp_path: Path, tiny_task: list[str]
) -> None:
    summary, _ = _run(plugins, tmp_path, tiny_task, "algorithm=chosen_nll", "peft=lora")
    assert ChosenNLL.reference_seen is not None and ChosenNLL.reference_seen.shares_policy_weights
    assert "eval/kl" in summary["final"]


def test_a_plugin_written_for_api_1_0_still_runs_and_matches_its_1_1_twin(
    plugins: LoadedPlugins, tmp_path: Path, tiny_task: list[str]
) -> None:
    _, old = _run(
        plugins, tmp_path / "v10", tiny_task, "algorithm=chosen_nll_v10", "train.micro_batch_size=3"
    )
    _, new = _run(plugins, tmp_path / "v11", tiny_task, "algorithm=chosen_nll")
    losses = [[row["loss"] for row in rows if "loss" in row] for rows in (old, new)]
    torch.testing.assert_close(
        torch.tensor(losses[0]), torch.tensor(losses[1]), rtol=1e-4, atol=1e-5
    )
    assert all(row["perf/tokens_per_s"] > 0 for row in old if "loss" in row)


def test_the_planner_counts_no_reference_for_a_reference_free_algorithm(
    plugins: LoadedPlugins,
) -> None:
    from alignzoo.planning.command import plan_run

    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=["algorithm=chosen_nll"])
        # DPO scoring pairs as they come holds a frozen copy (precomputed, it holds none)
        dpo = compose("config", overrides=["algorithm=dpo", "algorithm.precompute_reference=false"])
    terms = {t.name: t for t in plan_run(cfg, plugins)[0].persistent}
    assert terms["reference"].bytes == 0 and "none in training" in terms["reference"].formula
    dpo_terms = {t.name: t for t in plan_run(dpo, plugins)[0].persistent}
    assert dpo_terms["reference"].bytes > 0
