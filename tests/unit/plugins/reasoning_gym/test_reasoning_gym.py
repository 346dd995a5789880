"""``data=reasoning_gym`` generates a task's problems with their answers as fields, and
``reward=reasoning_gym`` scores with the task's own verifier."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo.rewards.extraction import Extraction
from alignzoo_reasoning_gym.config import ReasoningGymDataConfig, ReasoningGymRewardConfig
from alignzoo_reasoning_gym.data import ReasoningGymData
from alignzoo_reasoning_gym.reward import ReasoningGymReward


def test_train_and_heldout_problems_carry_their_answers_and_never_overlap() -> None:
    data = ReasoningGymData(
        ReasoningGymDataConfig(task="chain_sum", train_size=40, heldout_size=20)
    )
    train, heldout = data.prompts("train"), data.prompts("heldout")
    assert len(train) == 40 and 0 < len(heldout) <= 20
    assert {r.fields["question"] for r in train}.isdisjoint(r.fields["question"] for r in heldout)
    first = train[0]
    assert first.prompt.startswith(first.fields["question"])
    assert first.prompt.endswith("Give your final answer as <answer>...</answer>.")
    assert first.fields["task"] == "chain_sum" and "answer" in first.fields
    assert data.prompts("train") is train  # generated once
    again = ReasoningGymData(ReasoningGymDataConfig(task="chain_sum", train_size=40))
    assert [r.prompt for r in again.prompts("train")] == [r.prompt for r in train]  # seeded


@pytest.mark.parametrize("task", ["chain_sum", "leg_counting", "spell_backward"])
def test_the_tasks_own_verifier_is_the_reward_and_the_gold(task: str) -> None:
    data = ReasoningGymData(ReasoningGymDataConfig(task=task, train_size=4, heldout_size=4))
    records = data.prompts("train")
    right = [f"<think>...</think><answer>{r.fields['answer']}</answer>" for r in records]
    wrong = ["<answer>definitely not it</answer>", "no tags", "<answer></answer>", "x"]
    fields = [r.fields for r in records]
    reward = ReasoningGymReward(ReasoningGymRewardConfig())
    assert reward.score_examples([r.prompt for r in records], right, fields).tolist() == [1.0] * 4
    scores = reward.score_examples([r.prompt for r in records], wrong, fields).tolist()
    assert scores == [0.0] * 4
    assert reward.metrics()["reasoning_gym/no_answer"] == 0.75
    gold = data.gold_reward()
    assert gold.score_examples([r.prompt for r in records], right, fields).tolist() == [1.0] * 4


def test_the_answer_can_be_read_from_the_whole_completion() -> None:
    records = ReasoningGymData(ReasoningGymDataConfig(task="chain_sum", train_size=2)).prompts(
        "train"
    )
    reward = ReasoningGymReward(ReasoningGymRewardConfig(extract=Extraction.whole))
    answers = [f" {r.fields['answer']} " for r in records]
    assert reward.score_examples(["p"] * 2, answers, [r.fields for r in records]).tolist() == [1, 1]


def test_an_unknown_task_or_setting_is_named() -> None:
    with pytest.raises(ConfigError, match="data.task='chain_sums' is no reasoning-gym task; did"):
        ReasoningGymData(ReasoningGymDataConfig(task="chain_sums")).prompts("train")
    with pytest.raises(ConfigError, match="data.task_config for chain_sum"):
        config = ReasoningGymDataConfig(task="chain_sum", task_config={"no_such_setting": 1})
        ReasoningGymData(config).prompts("train")
