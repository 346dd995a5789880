"""The plugin's own tests: the loss on hand-computed values, the reward on plain strings."""

from __future__ import annotations

import math

import torch
from alignzoo_orpo import alignzoo_register_rewards
from alignzoo_orpo.loss import log_odds, orpo_loss
from alignzoo_orpo.reward import distinct_words
from omegaconf import OmegaConf

from alignzoo.registry import PluginRegistry


def test_orpo_loss_matches_its_formula() -> None:
    chosen, rejected = torch.tensor([math.log(0.5)]), torch.tensor([math.log(0.2)])
    # odds 1 and 0.25: log odds ratio = log 4
    assert math.isclose(log_odds(chosen).item(), 0.0, abs_tol=1e-6)
    loss = orpo_loss(chosen, rejected, lam=0.5)
    expected = -math.log(0.5) + 0.5 * -math.log(1 / (1 + math.exp(-math.log(4))))
    assert math.isclose(loss.item(), expected, rel_tol=1e-5)


def test_distinct_words_on_plain_strings() -> None:
    assert distinct_words("p", "good good good good") == 0.25
    assert distinct_words("p", "ok", min_words=2) == 0.0


def test_registered_distinct_words_scores_batches_with_its_typed_option() -> None:
    registry = PluginRegistry()
    alignzoo_register_rewards(registry)
    component = registry.get("reward", "distinct_words")
    reward = component.build(OmegaConf.merge(component.config_class, {"min_words": 2}))
    scores = reward.score(["p"] * 3, ["good good good good", "a fine film", "ok"])
    assert scores.tolist() == [0.25, 1.0, 0.0] and scores.dtype == torch.float32
