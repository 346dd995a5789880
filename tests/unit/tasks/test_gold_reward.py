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
