"""A plain typed function registered as a reward: batched, typed config, clear misuse errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from omegaconf import OmegaConf
from omegaconf.errors import ValidationError

from alignzoo.errors import PluginError
from alignzoo.registry import PluginRegistry


def ends_with(prompt: str, completion: str, suffix: str = ".", bonus: float = 1.0) -> float:
    return bonus if completion.endswith(suffix) else 0.0


@dataclass
class EndsWithConfig:
    suffix: str = "!"


def _build(registry: PluginRegistry, name: str, **fields: object):
    component = registry.get("reward", name)
    return component.build(OmegaConf.merge(OmegaConf.structured(component.config_class), fields))


def test_a_config_is_made_from_the_keyword_parameters() -> None:
    registry = PluginRegistry()
    registry.add_reward_function("ends_with", ends_with)
    config_class = registry.get("reward", "ends_with").config_class
    assert config_class.__name__ == "EndsWithRewardConfig"
    reward = _build(registry, "ends_with", bonus=2.0)
    scores = reward.score(["p", "p"], ["done .", "done"])
    assert scores.tolist() == [2.0, 0.0] and scores.dtype == torch.float32
    assert reward.name == "ends_with"
    with pytest.raises(ValidationError):  # typed: a float field refuses a word
        OmegaConf.merge(OmegaConf.structured(config_class), {"bonus": "lots"})


def test_an_explicit_config_supplies_some_of_the_options() -> None:
    registry = PluginRegistry()
    registry.add_reward_function("bang", ends_with, EndsWithConfig)
    assert _build(registry, "bang").score(["p", "p"], ["yes!", "yes."]).tolist() == [1.0, 0.0]


def test_misuse_is_named_at_registration() -> None:
    registry = PluginRegistry()

    def untyped(prompt, completion, scale=1.0):
        return scale

    def no_default(prompt: str, completion: str, scale: float) -> float:
        return scale

    @dataclass
    class Stranger:
        volume: int = 3

    with pytest.raises(
        PluginError, match="parameter 'scale' .* needs a type annotation and a default"
    ):
        registry.add_reward_function("untyped", untyped)
    with pytest.raises(PluginError, match="parameter 'scale'"):
        registry.add_reward_function("no_default", no_default)
    with pytest.raises(PluginError, match=r"\(prompt, completion, \.\.\.\)"):
        registry.add_reward_function("one_arg", lambda completion: 1.0)
    with pytest.raises(PluginError, match=r"field\(s\) \['volume'\]"):
        registry.add_reward_function("stranger", ends_with, Stranger)
