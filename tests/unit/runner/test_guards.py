"""Degeneration guards on synthetic metric rows: each fires once, by name and step; healthy
runs stay silent; ``warn`` goes on, ``stop`` ends; the summary and a checkpoint keep them."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

import pytest
import torch
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from alignzoo.config.prepare import prepare
from alignzoo.config.schema import GuardAction, GuardsConfig
from alignzoo.config.validation import validate_run_config
from alignzoo.errors import ConfigError
from alignzoo.rewards import RewardSource
from alignzoo.rewards.watch import ConstantRewardWarning, ConstantRewardWatch
from alignzoo.runner.guards import REWARD_COUNT, DegenerationWarning, GuardWatch

#: the reference's evaluation at step 0 on the built-in task, roughly
START = {
    "eval/completion_tokens": 11.8,
    "eval/entropy": 2.1,
    "eval/truncated": 0.05,
    "eval/kl": 0.0,
    "eval/gold_reward": 0.03,
}


def healthy_rows() -> Iterator[tuple[int, dict[str, float]]]:
    """A run that learns without degenerating: KL grows to 8, entropy falls to 0.4."""
    for step in range(1, 301):
        yield (
            step,
            {
                "loss": 0.5,
                "objective/kl": 8.0 * step / 300,
                "policy/entropy": 2.0 - 1.6 * step / 300,
                "grpo/completion_tokens": 6.0,
                "grpo/truncated": 0.3,
                "train/grad_norm": 1.0,
            },
        )
        if step % 25 == 0:
            yield step, {**START, "eval/kl": 8.0 * step / 300, "eval/entropy": 0.4}


@pytest.fixture
def strict() -> Iterator[None]:
    """Any warning is an error: a guard that speaks when it should not fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_the_defaults_stay_silent_on_a_healthy_run(strict: None) -> None:
    watch = GuardWatch(GuardsConfig())
    watch.check(0, dict(START))
    for step, row in healthy_rows():
        assert watch.check(step, row) == []
    assert watch.fired == [] and watch.stopped is None
    assert watch.summary() == {"guards": [], "stopped": None}


def test_a_collapse_fires_once_naming_the_guard_the_metric_and_the_step() -> None:
    watch = GuardWatch(GuardsConfig())
    watch.check(0, dict(START))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert watch.check(100, {**START, "eval/completion_tokens": 3.5}) == []
        (fired,) = watch.check(125, {**START, "eval/completion_tokens": 1.09})
        assert watch.check(150, {**START, "eval/completion_tokens": 1.0}) == []  # once
    (warning,) = caught
    assert issubclass(warning.category, DegenerationWarning)
    message = str(warning.message)
    assert message.startswith("guard short_completions fired at step 125: ")
    assert "eval/completion_tokens=1.09 < guards.min_completion_tokens=2" in message
    assert "guards.action=warn: training goes on" in message
    assert (fired.guard, fired.step, fired.value, fired.threshold) == (
        "short_completions",
        125,
        1.09,
        2.0,
    )
    assert watch.stopped is None  # warn: the run goes on


@pytest.mark.parametrize(
    ("metric", "value", "guard"),
    [
        ("eval/completion_tokens", 1.5, "short_completions"),
        ("grpo/completion_tokens", 1.2, "short_completions"),
        ("eval/truncated", 0.99, "truncated_completions"),
        ("grpo/truncated", 0.97, "truncated_completions"),
        ("eval/entropy", 0.01, "low_entropy"),
        ("policy/entropy", 0.02, "low_entropy"),
        ("eval/kl", 80.0, "kl_runaway"),
        ("objective/kl", 55.0, "kl_runaway"),
    ],
)
def test_each_guard_reads_its_metrics(metric: str, value: float, guard: str) -> None:
    watch = GuardWatch(GuardsConfig(), speak=False)
    healthy = {"grpo/completion_tokens": 6.0, "grpo/truncated": 0.2, "policy/entropy": 1.0}
    watch.check(0, dict(START))
    watch.check(1, {**healthy, "objective/kl": 0.1})  # the first training readings
    (fired,) = watch.check(7, {metric: value})
    assert (fired.guard, fired.metric, fired.step, fired.value) == (guard, metric, 7, value)


def test_stop_ends_the_run_and_says_where_to_take_it_up() -> None:
    config = GuardsConfig(action=GuardAction.stop)
    watch = GuardWatch(config, speak=False, last_checkpoint=lambda: "Last checkpoint: step_100")
    watch.check(0, dict(START))
    (fired,) = watch.check(120, {"objective/kl": 0.5, "eval/kl": 73.0})
    assert watch.stopped == fired and fired.guard == "kl_runaway" and fired.action == "stop"
    assert "guards.action=stop: the run ends at this step" in fired.message
    assert fired.message.endswith("Last checkpoint: step_100")
    # what else fires at that step is recorded too, but the first guard stopped the run
    watch.check(120, {"eval/completion_tokens": 1.0})
    summary = watch.summary()
    assert [g["guard"] for g in summary["guards"]] == ["kl_runaway", "short_completions"]
    assert summary["stopped"]["guard"] == "kl_runaway" and summary["stopped"]["step"] == 120
    assert summary["stopped"]["by"] == "guard"
    assert {"metric", "value", "threshold", "message"} <= set(summary["guards"][0])


def test_a_metric_already_past_its_threshold_at_the_start_is_not_watched(strict: None) -> None:
    """A base model whose answers all run past a short max_new_tokens has not degenerated."""
    watch = GuardWatch(GuardsConfig())
    watch.check(0, {**START, "eval/truncated": 1.0})
    assert watch.check(50, {**START, "eval/truncated": 1.0}) == []
    watch.check(1, {"grpo/truncated": 0.99})  # a training metric: its first step
    assert watch.check(2, {"grpo/truncated": 1.0}) == []
    with pytest.warns(DegenerationWarning, match="short_completions"):
        watch.check(75, {**START, "eval/truncated": 1.0, "eval/completion_tokens": 1.0})


def test_a_threshold_set_to_null_switches_its_guard_off(strict: None) -> None:
    watch = GuardWatch(GuardsConfig(max_kl=None, min_completion_tokens=None))
    watch.check(0, dict(START))
    assert watch.check(9, {"eval/kl": 1e6, "eval/completion_tokens": 1.0}) == []


def test_non_finite_values_are_left_to_max_bad_steps(strict: None) -> None:
    watch = GuardWatch(GuardsConfig())
    watch.check(0, dict(START))
    assert watch.check(3, {"objective/kl": float("nan"), "eval/kl": float("inf")}) == []


class Constant(RewardSource):
    """Scores every completion 0.5."""

    name = "constant"

    def score(self, prompts, completions):
        return torch.full((len(completions),), 0.5)


def test_a_constant_reward_is_one_guard_with_one_message() -> None:
    """The reward watch only counts; the guard says so, once, with the watch's words."""
    reward = ConstantRewardWatch(Constant(), "keywords", patience=3, warn=False)
    watch = GuardWatch(GuardsConfig(action=GuardAction.stop), reward)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in (1, 2, 3, 4):
            reward.score(["p"] * 4, ["c"] * 4)
            row = {"loss": 0.1} | watch.reward_count()
            fired = watch.check(step, row)
            assert REWARD_COUNT not in row  # taken back out before the row is logged
            assert bool(fired) == (step == 3)
    (warning,) = caught
    assert issubclass(warning.category, ConstantRewardWarning)
    assert "guard constant_reward fired at step 3: reward=keywords gave every completion the " in (
        str(warning.message)
    )
    assert "same score (0.5) in 3 batches in a row" in str(warning.message)
    assert watch.stopped is not None and watch.stopped.guard == "constant_reward"


def test_without_a_reward_or_its_guard_nothing_is_counted() -> None:
    reward = ConstantRewardWatch(Constant(), "keywords", warn=False)
    assert GuardWatch(GuardsConfig()).reward_count() == {}
    assert GuardWatch(GuardsConfig(constant_reward_batches=None), reward).reward_count() == {}


def test_a_checkpoint_keeps_what_fired_and_what_was_exempt(strict: None) -> None:
    watch = GuardWatch(GuardsConfig(), speak=False)
    watch.check(0, {**START, "eval/truncated": 1.0})
    watch.check(50, {**START, "eval/truncated": 1.0, "eval/kl": 60.0})
    state = watch.state_dict()
    buffer = io.BytesIO()
    torch.save(state, buffer)  # what a checkpoint holds
    buffer.seek(0)
    resumed = GuardWatch(GuardsConfig())
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    assert resumed.fired == watch.fired
    # neither fires again after a resume: kl_runaway has fired, truncation was exempt
    assert resumed.check(75, {**START, "eval/truncated": 1.0, "eval/kl": 90.0}) == []
    GuardWatch(GuardsConfig()).load_state_dict({})  # a checkpoint from before the guards


def _compose(*overrides: str):
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides))


def test_guards_are_a_typed_config_group_with_documented_defaults() -> None:
    guards = OmegaConf.to_object(_compose("guards.action=stop", "guards.max_kl=20").guards)
    assert isinstance(guards, GuardsConfig)
    assert guards.action == GuardAction.stop and guards.max_kl == 20.0
    assert GuardsConfig() == GuardsConfig(
        action=GuardAction.warn,
        min_completion_tokens=2.0,
        max_truncated_share=0.95,
        min_entropy=0.05,
        max_kl=50.0,
        constant_reward_batches=3,
    )
    with pytest.raises(Exception, match="guards.action"):
        _compose("guards.action=halt")
    with pytest.raises(Exception, match="guards.max_entropy"):
        _compose("guards.max_entropy=1")


def test_an_out_of_range_threshold_is_named() -> None:
    cfg = _compose("guards.max_truncated_share=1.5", "guards.constant_reward_batches=0")
    with pytest.raises(ConfigError) as error:
        validate_run_config(cfg)
    assert "guards.max_truncated_share must be null or in (0, 1], got 1.5" in str(error.value)
    assert "guards.constant_reward_batches must be null or >= 1, got 0" in str(error.value)
