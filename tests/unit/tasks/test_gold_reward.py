"""Unit tests for ``GoldSentimentReward``."""

from __future__ import annotations

import math

import torch
from torch.testing import assert_close

from alignzoo.rewards.source import RewardSource
from alignzoo.tasks.sentiment.gold_reward import GoldSentimentReward


def test_scores_completions():
    reward = GoldSentimentReward()
    scores = reward.score(
        ["i", "we", "i"],
        ["the food was great .", "it was not good .", "the room was quiet ."],
    )
    assert isinstance(reward, RewardSource)
    assert scores.dtype == torch.float32
    assert scores.shape == (3,)
    assert_close(scores, torch.tensor([math.tanh(0.5), -math.tanh(0.5), 0.0]))


def test_prompt_is_ignored():
    reward = GoldSentimentReward()
    assert_close(reward.score(["not"], ["great"]), reward.score(["terrible"], ["great"]))


def test_empty_batch():
    scores = GoldSentimentReward().score([], [])
    assert scores.shape == (0,) and scores.dtype == torch.float32


def test_the_fluency_objective_scores_each_completion_after_its_prompt():
    from alignzoo.tasks.sentiment.config import GoldObjective, GoldSentimentConfig

    reward = GoldSentimentReward(GoldSentimentConfig(GoldObjective.sentiment_fluency))
    movie = "last night we watched the movie and"
    scores = reward.score(
        [movie, movie, movie],
        ["the movie was great .", "the battery was great .", "great great great ."],
    )
    assert_close(scores, torch.tensor([0.5, -1.0, -1.0]))  # the phone's battery, stuffing


def test_reward_gold_follows_data_gold_unless_set_itself():
    from hydra import compose, initialize_config_module
    from omegaconf import OmegaConf

    from alignzoo.config.prepare import prepare

    prepare()

    def objective(*overrides: str) -> str:
        with initialize_config_module("alignzoo.conf", version_base="1.3"):
            cfg = compose("config", overrides=["reward=gold", *overrides])
        return OmegaConf.to_object(cfg.reward).objective.value

    assert objective() == "sentiment"
    assert objective("data.gold=sentiment_fluency") == "sentiment_fluency"
    assert objective("data.gold=sentiment_fluency", "reward.objective=sentiment") == "sentiment"
    assert objective("data=hf", "data.path=pairs.jsonl") == "sentiment"  # no data.gold there


def test_the_task_scores_raters_and_evaluation_by_its_data_gold():
    from alignzoo.tasks.sentiment.config import GoldObjective, SentimentTaskConfig
    from alignzoo.tasks.sentiment.task import SentimentTask

    movie, stuffed = "last night we watched the movie and", "great great great ."
    plain = SentimentTask(SentimentTaskConfig()).gold_reward()
    harder = SentimentTask(SentimentTaskConfig(gold=GoldObjective.sentiment_fluency)).gold_reward()
    assert plain.score([movie], [stuffed]).item() > 0.9  # the lexicon counts every word
    assert harder.score([movie], [stuffed]).item() == -1.0
