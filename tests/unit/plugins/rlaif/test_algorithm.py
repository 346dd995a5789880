"""RLAIF relabels pairs by the judge (both orders) and trains DPO on the AI labels."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch
from accelerate import Accelerator

from alignzoo.algorithms import AlgorithmContext
from alignzoo.data.records import PreferencePair
from alignzoo.models.reference import ReferenceModel
from alignzoo.registry import installed_plugins
from alignzoo.rewards.judge import Judge
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo_rlaif import algorithm as rlaif_algorithm
from alignzoo_rlaif.config import LocalJudgeConfig, RLAIFConfig


class PrefersLonger(Judge):
    """A fake judge: the longer response wins, in either position."""

    identity = "longer"

    def __init__(self, config: LocalJudgeConfig, registry: object = None) -> None:
        self.config = config

    def compare(self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]):
        return torch.tensor([float(len(a) > len(b)) for a, b in zip(first, second, strict=True)])

    def rate(self, prompts: Sequence[str], responses: Sequence[str]):
        return torch.tensor([float(len(r)) for r in responses])


@pytest.fixture
def rlaif(monkeypatch, tok, tiny_llama):
    monkeypatch.setattr(rlaif_algorithm, "LocalJudge", PrefersLonger)
    policy = tiny_llama().train()
    context = AlgorithmContext(
        policy,
        ReferenceModel.frozen_copy_of(policy),
        tok,
        torch.device("cpu"),
        max_length=32,
        registry=installed_plugins().registry,
    )
    return rlaif_algorithm.RLAIFAlgorithm(RLAIFConfig(judge=LocalJudgeConfig(cache=False)), context)


PAIRS = [
    PreferencePair("yesterday i watched the movie and", " the plot was great .", " bad ."),
    PreferencePair("recently i read the book :", " dull .", " the story felt wonderful ."),
]


def test_pairs_are_relabelled_by_the_judge(rlaif) -> None:
    rlaif.prepare(PAIRS)
    assert rlaif._ai_labelled[PAIRS[0]] == PAIRS[0]  # the judge agrees: kept
    flipped = rlaif._ai_labelled[PAIRS[1]]
    assert (flipped.chosen, flipped.rejected) == (PAIRS[1].rejected, PAIRS[1].chosen)
    assert rlaif._flipped == 0.5


def test_training_steps_use_the_ai_labels(rlaif) -> None:
    rlaif.prepare(PAIRS)
    parameters = list(rlaif.trainable_parameters())
    optimizer = torch.optim.SGD(parameters, lr=0.2)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    updater = OptimizerUpdater(Accelerator(cpu=True), optimizer, scheduler, parameters, 1e9)
    for _ in range(10):
        metrics = rlaif.train_step(PAIRS, updater)
    assert metrics["rlaif/flipped_labels"] == 0.5
    # DPO learned the judge's order: the longer response of each pair is now preferred
    assert metrics["rewards/accuracy"] == 1.0


def test_evaluation_reports_judge_agreement_with_the_gold_order(rlaif) -> None:
    class Evaluator:
        pairs = PAIRS

        def agreement(self, margins: torch.Tensor) -> float:
            self.margins = margins
            return 0.75

        def __call__(self, policy) -> dict[str, float]:
            return {"eval/kl": 0.0}

    evaluator = Evaluator()
    metrics = rlaif.evaluate(evaluator)
    assert metrics == {"eval/kl": 0.0, "eval/judge_agreement": 0.75}
    torch.testing.assert_close(evaluator.margins, torch.tensor([0.5, -0.5]))
