"""The composite reward: a weighted sum of registered rewards, normalised, logged per component."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch

from alignzoo.errors import ConfigError
from alignzoo.registry import load_plugins
from alignzoo.rewards import RewardSource
from alignzoo.rewards.composite import CompositeReward, RunningMoments, component_builder
from alignzoo.rewards.composite_config import CompositeRewardConfig, RewardComponent


class Constant(RewardSource):
    def __init__(self, values: list[float]) -> None:
        self.values = values

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        return torch.tensor(self.values)


def _composite(*terms: tuple[RewardComponent, list[float]]) -> CompositeReward:
    sources = {term.label or term.name: Constant(values) for term, values in terms}
    config = CompositeRewardConfig(components=[term for term, _ in terms])
    return CompositeReward(config, lambda name, fields: sources[name])


def test_weighted_sum_and_per_component_metrics() -> None:
    reward = _composite(
        (RewardComponent(name="a", weight=2.0), [1.0, 0.0]),
        (RewardComponent(name="b", weight=-1.0), [0.5, 3.0]),
    )
    torch.testing.assert_close(reward.score(["p", "q"], ["x", "y"]), torch.tensor([1.5, -3.0]))
    assert reward.metrics() == {"rewards/a": 0.5, "rewards/b": 1.75}


def test_normalised_component_has_zero_mean_unit_std_on_its_first_batch() -> None:
    reward = _composite((RewardComponent(name="a", normalize=True), [1.0, 3.0]))
    torch.testing.assert_close(reward.score(["p"] * 2, ["x", "y"]), torch.tensor([-1.0, 1.0]))


def test_running_moments_match_the_whole_history() -> None:
    moments, history = RunningMoments(), torch.tensor([1.0, 2.0, 4.0, 8.0, 16.0])
    moments.update(history[:2])
    moments.update(history[2:])
    assert moments.mean == pytest.approx(history.mean().item())
    assert moments.std == pytest.approx(history.std(unbiased=False).item(), rel=1e-6)


def test_empty_or_duplicate_components_are_rejected() -> None:
    with pytest.raises(ConfigError, match="reward.components is empty"):
        CompositeReward(CompositeRewardConfig(), lambda name, fields: Constant([0.0]))
    with pytest.raises(ConfigError, match="label 'a' is used twice"):
        _composite((RewardComponent(name="a"), [0.0]), (RewardComponent(name="a"), [0.0]))


def test_components_are_built_from_the_registry_with_typed_configs() -> None:
    build = component_builder(load_plugins().registry)
    length = build("length", {"target": 2, "tolerance": 0})
    assert length.score(["p"], ["two words"]).item() == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="targt"):
        build("length", {"targt": 2})
    with pytest.raises(ConfigError, match="no reward named 'nope'"):
        build("nope", {})


def test_gold_and_length_preset_scores_both_parts() -> None:
    from hydra import compose, initialize_config_module

    from alignzoo.config.prepare import prepare

    loaded = prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=["reward=gold_and_length"])
    reward = loaded.registry.for_config("reward", cfg.reward).build(cfg.reward)
    scores = reward.score(["p", "p"], ["the food was great .", "the food was awful ."])
    assert scores[0] > scores[1]
    assert set(reward.metrics()) == {"rewards/gold", "rewards/length"}


class UnreadableJudge(Constant):
    """A component with figures of its own, as an HTTP judge reports ``judge/unreadable``."""

    def metrics(self) -> dict[str, float]:
        return {"judge/unreadable": 0.25}


def test_a_components_own_figures_reach_the_step() -> None:
    judge = UnreadableJudge([1.0, 0.0])
    config = CompositeRewardConfig(components=[RewardComponent(name="judge")])
    reward = CompositeReward(config, lambda name, fields: judge)
    reward.score(["p", "q"], ["x", "y"])
    assert reward.metrics() == {"judge/unreadable": 0.25, "rewards/judge": 0.5}


class FieldEcho(RewardSource):
    """A verifier: scores each completion by its row's ``answer``."""

    def score(self, prompts, completions, fields=None) -> torch.Tensor:
        return torch.tensor([float(row["answer"]) for row in fields or []])


def test_the_per_example_fields_reach_the_components_that_take_them() -> None:
    sources = {"verifier": FieldEcho(), "plain": Constant([1.0, 1.0])}
    config = CompositeRewardConfig(
        components=[RewardComponent(name="verifier"), RewardComponent(name="plain", weight=0.5)]
    )
    reward = CompositeReward(config, lambda name, fields: sources[name])
    scores = reward.score_examples(["p", "q"], ["x", "y"], [{"answer": 2}, {"answer": -1}])
    torch.testing.assert_close(scores, torch.tensor([2.5, -0.5]))
