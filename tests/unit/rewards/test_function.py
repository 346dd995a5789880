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

    @dataclass
    class Stranger:
        volume: int = 3

    with pytest.raises(PluginError, match="parameter 'scale' .* needs a type annotation"):
        registry.add_reward_function("untyped", untyped)
    with pytest.raises(PluginError, match=r"\(prompt, completion, \.\.\.\)"):
        registry.add_reward_function("one_arg", lambda completion: 1.0)
    with pytest.raises(PluginError, match=r"field\(s\) \['volume'\]"):
        registry.add_reward_function("stranger", ends_with, Stranger)


def matches_answer(prompt: str, completion: str, answer: str, *, bonus: float = 1.0) -> float:
    """A verifier as TRL writes one: the row's ``answer`` arrives as a keyword argument."""
    return bonus if completion.strip() == answer else 0.0


def sees_every_field(prompt: str, completion: str, scale: float = 1.0, **row: object) -> float:
    return scale * len(row)


def test_a_parameter_without_default_is_filled_from_each_rows_fields() -> None:
    registry = PluginRegistry()
    registry.add_reward_function("matches", matches_answer)
    config_class = registry.get("reward", "matches").config_class
    assert [f for f in config_class.__dataclass_fields__] == ["bonus"]  # answer is no option
    reward = _build(registry, "matches", bonus=3.0)
    fields = [{"answer": "4", "id": 0}, {"answer": "5", "id": 1}, {"answer": "6", "id": 2}]
    scores = reward.score_examples(["p"] * 3, ["4", " 4", "6 "], fields)
    assert scores.tolist() == [3.0, 0.0, 3.0]


def test_a_missing_field_is_named_with_the_columns_the_row_has() -> None:
    from alignzoo.errors import ConfigError

    registry = PluginRegistry()
    registry.add_reward_function("matches", matches_answer)
    reward = _build(registry, "matches")
    with pytest.raises(ConfigError) as raised:
        reward.score_examples(["p"], ["4"], [{"solution": "4"}])
    assert str(raised.value) == (
        "reward=matches: matches_answer takes the per-example field 'answer', but the "
        "prompt's row has only ['solution']"
    )


def test_keyword_arguments_take_every_field_and_options_win_a_clash() -> None:
    registry = PluginRegistry()
    registry.add_reward_function("count", sees_every_field)
    reward = _build(registry, "count", scale=2.0)
    scores = reward.score_examples(["p", "p"], ["a", "b"], [{"x": 1, "scale": 9}, {}])
    assert scores.tolist() == [2.0 * 1, 0.0]  # "scale" from the row does not replace the option
