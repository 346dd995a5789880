"""The rules as registered batch reward sources: float32 [N] scores, config errors, registration."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf
from omegaconf.errors import ValidationError

import alignzoo_rules
from alignzoo.errors import ConfigError
from alignzoo.registry import PluginRegistry
from alignzoo.rewards.source import RewardSource
from alignzoo_rules.config import (
    JsonFormatConfig,
    KeywordsConfig,
    LengthConfig,
    PythonFunctionConfig,
    RegexConfig,
)
from alignzoo_rules.sources import (
    JsonFormatReward,
    KeywordsReward,
    LengthReward,
    PythonFunctionReward,
    RegexReward,
)

PROMPTS = ["p1", "p2", "p3"]


def _scores(source: RewardSource, completions: list[str]) -> list[float]:
    scores = source.score(PROMPTS[: len(completions)], completions)
    assert scores.dtype == torch.float32 and scores.shape == (len(completions),)
    return scores.tolist()


def test_regex_reward_and_its_bad_pattern() -> None:
    source = RegexReward(RegexConfig(pattern=r"\d", match_score=0.5, miss_score=-0.5))
    assert _scores(source, ["a1", "ab", ""]) == [0.5, -0.5, -0.5]
    assert _scores(RegexReward(RegexConfig(pattern="sorry", invert=True)), ["ok", "sorry"]) == [
        1.0,
        0.0,
    ]
    with pytest.raises(ConfigError, match=r"reward.pattern='\(' is no regex"):
        RegexReward(RegexConfig(pattern="("))


def test_length_reward_and_its_config_errors() -> None:
    source = LengthReward(LengthConfig(target=4, tolerance=1))
    assert _scores(source, ["a b c d e", "a b", ""]) == [1.0, 0.75, 0.25]
    chars = LengthReward(LengthConfig(target=2, tolerance=0, unit="chars"))
    assert _scores(chars, ["ab", "a"]) == [1.0, 0.5]
    with pytest.raises(ValidationError, match=r"expected one of \[words, chars\]"):
        OmegaConf.merge(OmegaConf.structured(LengthConfig), {"unit": "tokens"})  # at compose
    with pytest.raises(ConfigError, match="reward.tolerance must be >= 0, got -1"):
        LengthReward(LengthConfig(tolerance=-1))


def test_keywords_reward() -> None:
    source = KeywordsReward(KeywordsConfig(include=["good", "day"], exclude=["bad"]))
    assert _scores(source, ["A good day", "goodness, bad day", ""]) == [1.0, -0.5, 0.0]


def test_json_format_reward() -> None:
    source = JsonFormatReward(JsonFormatConfig(required_keys=["a", "b"]))
    assert _scores(source, ['```json\n{"a": 1}\n```', "[1]", ""]) == [0.75, 0.0, 0.0]


def test_python_function_reward_gets_prompt_and_completion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_source_rules.py").write_text(
        "def same_length(prompt, completion):\n    return len(prompt) == len(completion)\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    source = PythonFunctionReward(PythonFunctionConfig(function="my_source_rules:same_length"))
    assert _scores(source, ["ab", "abc", ""]) == [1.0, 0.0, 0.0]  # bools become floats
    with pytest.raises(ConfigError, match="reward.function='my_source_rules:nope'"):
        PythonFunctionReward(PythonFunctionConfig(function="my_source_rules:nope"))


def test_python_function_reward_gets_the_rows_fields_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_field_rules.py").write_text(
        "def right(prompt, completion, answer, bonus=0.0):\n"
        "    return float(completion.strip() == str(answer)) + bonus\n"
        "def seen(prompt, completion, **fields):\n"
        "    return float(len(fields))\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    right = PythonFunctionReward(PythonFunctionConfig(function="my_field_rules:right"))
    rows = [{"answer": 4, "id": 0}, {"answer": 9, "id": 1}]
    assert right.score_examples(["2+2", "3*3"], [" 4", "8"], rows).tolist() == [1.0, 0.0]
    with pytest.raises(
        ConfigError, match=r"field 'answer', but the prompt's row has only \['id'\]"
    ):
        right.score_examples(["p"], ["4"], [{"id": 0}])
    every = PythonFunctionReward(PythonFunctionConfig(function="my_field_rules:seen"))
    assert every.score_examples(["p", "q"], ["a", "b"], rows).tolist() == [2.0, 2.0]


def test_empty_batch_and_mismatched_lengths() -> None:
    source = LengthReward(LengthConfig())
    empty = source.score([], [])
    assert empty.dtype == torch.float32 and empty.shape == (0,)
    with pytest.raises(ValueError, match="2 prompts but 1 completions"):
        source.score(["a", "b"], ["x"])


EXPECTED = {
    "regex": (RegexReward, RegexConfig),
    "length": (LengthReward, LengthConfig),
    "keywords": (KeywordsReward, KeywordsConfig),
    "json_format": (JsonFormatReward, JsonFormatConfig),
    "python": (PythonFunctionReward, PythonFunctionConfig),
}


@pytest.fixture
def registry() -> PluginRegistry:
    registry = PluginRegistry(ConfigStore.instance())
    with registry.registering_for("rules"):
        alignzoo_rules.alignzoo_register_rewards(registry)
    return registry


def test_registration_names_classes_and_configs(registry: PluginRegistry) -> None:
    assert registry.names("reward") == sorted(EXPECTED)
    for name, (source, config) in EXPECTED.items():
        component = registry.get("reward", name)
        assert (component.factory, component.config_class, component.plugin) == (
            source,
            config,
            "rules",
        )
        assert source.name == name


def test_registered_length_builds_from_a_structured_config(registry: PluginRegistry) -> None:
    node = OmegaConf.structured(LengthConfig(target=3))
    source = registry.get("reward", "length").build(node)
    assert isinstance(source, LengthReward) and source.config == LengthConfig(target=3)
    # default tolerance 5: 1.0 up to 8 words, 0.0 from 3 + 5 + 3 = 11 words on
    assert _scores(source, ["a b c", " ".join("w" * 9), " ".join("w" * 11)]) == pytest.approx(
        [1.0, 2 / 3, 0.0]
    )


def test_list_fields_compose_and_build_as_lists(registry: PluginRegistry) -> None:
    node = OmegaConf.merge(
        OmegaConf.structured(KeywordsConfig), {"include": ["good"], "exclude": ["bad"]}
    )
    source = registry.get("reward", "keywords").build(node)
    assert source.config.include == ["good"]
    assert _scores(source, ["good", "bad"]) == [1.0, -1.0]


def test_required_fields_are_missing_by_default() -> None:
    assert OmegaConf.is_missing(OmegaConf.structured(RegexConfig), "pattern")
    assert OmegaConf.is_missing(OmegaConf.structured(PythonFunctionConfig), "function")
