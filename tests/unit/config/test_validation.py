"""A composed run config is checked before anything loads: every bad value, at once, by key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from alignzoo.config.prepare import prepare
from alignzoo.config.ranges import Range, above, at_least, between, optional
from alignzoo.config.schema import LoraAdapterConfig, ModelConfig, QuantConfig, RunConfig
from alignzoo.config.validation import validate_run_config
from alignzoo.errors import ConfigError
from alignzoo.registry import LoadedPlugins
from alignzoo_dpo.config import DPOConfig
from alignzoo_grpo.config import GRPOConfig
from alignzoo_online_dpo.config import OnlineDPOConfig
from alignzoo_reinforce_pp.config import ReinforcePPConfig
from alignzoo_reward_model.config import LearnedRewardConfig
from alignzoo_rlaif.config import RLAIFConfig


def run_config(**parts: Any) -> DictConfig:
    """A whole run config as Hydra would compose it, with small stand-in groups."""
    parts.setdefault("algorithm", DPOConfig())
    parts.setdefault("data", {"name": "toy"})
    return cast(DictConfig, OmegaConf.structured(RunConfig(**parts)))


def problems_of(cfg: DictConfig) -> str:
    with pytest.raises(ConfigError) as raised:
        validate_run_config(cfg)
    return str(raised.value)


CONF = Path(__file__).parents[3] / "alignzoo" / "conf"
#: the core's configs and every first-party plugin's (presets, search, experiment points)
SHIPPED = [*CONF.glob("*/*.yaml"), *(CONF.parents[1] / "plugins").glob("*/conf/*/*.yaml")]
APPENDED = ("experiment", "frontier", "overoptimization", "pipeline", "rlvr", "tune")
#: what a group member needs besides itself to be a whole run
EXTRA = {
    ("model", "hf"): ["model.name_or_path=some/model"],
    ("data", "hf"): ["data.path=pairs.jsonl"],
    ("reward", "judge_chat"): ["reward.model=some/chat-model"],
}


def test_the_defaults_are_valid() -> None:
    validate_run_config(run_config(peft=LoraAdapterConfig(), quant=QuantConfig()))


def test_every_shipped_config_and_plugin_default_is_valid() -> None:
    """No default or preset may be refused: the checks bound nonsense, not choices."""
    prepare()
    members = sorted((p.parent.name, p.stem) for p in SHIPPED)
    members += [("algorithm", name) for name in ("grpo", "ppo", "rloo", "reinforce_pp", "kto")]
    members += [("algorithm", name) for name in ("simpo", "online_dpo", "rlaif", "best_of_n")]
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        for group, name in members:
            prefix = "+" if group in APPENDED else ""
            overrides = [f"{prefix}{group}={name}", *EXTRA.get((group, name), [])]
            validate_run_config(compose("config", overrides=overrides))


def test_every_stage_of_every_shipped_pipeline_is_valid(tmp_path: Path) -> None:
    """A pipeline's stages compose only when it runs: a typo in a later stage would otherwise
    surface after the earlier ones had trained."""
    prepare()
    pipelines = [p for p in SHIPPED if "pipeline:" in p.read_text() or p.parent.name == "pipeline"]
    assert {p.parent.name for p in pipelines} == {"pipeline", "frontier", "overoptimization"}
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        for path in pipelines:
            member = f"+{path.parent.name}={path.stem}"
            stages = compose("config", overrides=[member]).pipeline.stages
            assert len(stages) >= 2, path
            for stage in stages:
                extra = [f"model.name_or_path={tmp_path}"] if stage.policy_from else []
                extra += [f"reward.path={tmp_path}"] if stage.reward_from else []
                overrides = [member, *stage.overrides, *extra]
                validate_run_config(compose("config", overrides=overrides))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("train.steps", -5, "train.steps must be >= 1, got -5"),
        ("train.steps", 0, "train.steps must be >= 1, got 0"),
        ("train.batch_size", 0, "train.batch_size must be >= 1, got 0"),
        ("train.micro_batch_size", 0, "train.micro_batch_size must be null or >= 1, got 0"),
        ("train.learning_rate", -1.0, "train.learning_rate must be >= 0, got -1.0"),
        ("train.learning_rate", float("nan"), "train.learning_rate must be >= 0, got nan"),
        ("train.learning_rate", float("inf"), "train.learning_rate must be >= 0, got inf"),
        ("train.weight_decay", -0.1, "train.weight_decay must be >= 0, got -0.1"),
        ("train.warmup_steps", -1, "train.warmup_steps must be >= 0, got -1"),
        ("train.max_grad_norm", 0.0, "train.max_grad_norm must be > 0, got 0.0"),
        ("eval.every", 0, "eval.every must be >= 1, got 0"),
        ("eval.num_prompts", 0, "eval.num_prompts must be >= 1, got 0"),
        ("eval.batch_size", -2, "eval.batch_size must be >= 1, got -2"),
        ("eval.sampling.max_new_tokens", 0, "eval.sampling.max_new_tokens must be >= 1, got 0"),
        ("eval.sampling.temperature", 0.0, "eval.sampling.temperature must be > 0, got 0.0"),
        ("eval.sampling.top_k", -1, "eval.sampling.top_k must be >= 0, got -1"),
        ("eval.sampling.top_p", 0.0, "eval.sampling.top_p must be in (0, 1], got 0.0"),
        ("eval.sampling.top_p", 1.5, "eval.sampling.top_p must be in (0, 1], got 1.5"),
        ("model.max_length", 1, "model.max_length must be >= 2, got 1"),
        ("peft.r", 0, "peft.r must be >= 1, got 0"),
        ("peft.alpha", 0, "peft.alpha must be > 0, got 0"),
        ("peft.dropout", 1.0, "peft.dropout must be in [0, 1), got 1.0"),
        ("peft.dropout", -0.5, "peft.dropout must be in [0, 1), got -0.5"),
        ("seed", -1, "seed must be in [0, 4294967295], got -1"),
        ("quant.bits", 3, "quant.bits must be 4 or 8, got 3"),
    ],
)
def test_an_out_of_range_value_is_named_with_what_was_expected(
    key: str, value: object, message: str
) -> None:
    cfg = run_config(peft=LoraAdapterConfig(), quant=QuantConfig())
    OmegaConf.update(cfg, key, value)
    assert problems_of(cfg) == message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("train.micro_batch_size", None),
        ("train.micro_batch_size", 1),
        ("train.warmup_steps", 0),
        ("eval.sampling.top_k", 0),
        ("eval.sampling.top_p", 1.0),
        ("peft.dropout", 0.0),
        ("model.max_length", 2),
        ("seed", 2**32 - 1),
        ("quant.bits", 8),
    ],
)
def test_values_on_the_edge_of_a_range_are_allowed(key: str, value: object) -> None:
    cfg = run_config(peft=LoraAdapterConfig(), quant=QuantConfig())
    OmegaConf.update(cfg, key, value)
    validate_run_config(cfg)


def test_every_problem_is_reported_in_one_error() -> None:
    cfg = run_config()
    for key, value in [("train.steps", -5), ("eval.every", 0), ("eval.sampling.top_p", 2.0)]:
        OmegaConf.update(cfg, key, value)
    message = problems_of(cfg)
    assert message.startswith("3 config values are invalid: ")
    for part in (
        "train.steps must be >= 1, got -5",
        "eval.every must be >= 1, got 0",
        "eval.sampling.top_p must be in (0, 1], got 2.0",
    ):
        assert part in message


def test_a_plugin_config_is_checked_under_its_full_key_nested_or_not() -> None:
    cfg = run_config(algorithm=GRPOConfig())
    cfg.algorithm.num_generations = 1
    cfg.algorithm.rollout.temperature = 0.0
    message = problems_of(cfg)
    assert "algorithm.num_generations must be >= 2, got 1" in message
    assert "algorithm.rollout.temperature must be > 0, got 0.0" in message

    online = run_config(algorithm=OnlineDPOConfig(dpo=DPOConfig()))
    online.algorithm.dpo.beta = -1.0
    assert problems_of(online) == "algorithm.dpo.beta must be > 0, got -1.0"

    rlaif = run_config(algorithm=RLAIFConfig())
    rlaif.algorithm.judge.batch_size = 0
    assert problems_of(rlaif) == "algorithm.judge.batch_size must be >= 1, got 0"


def test_a_plugin_configs_own_checks_run_too() -> None:
    cfg = run_config(algorithm=ReinforcePPConfig())
    cfg.algorithm.baseline = "group"  # needs samples_per_prompt >= 2, which ranges cannot say
    assert "algorithm.samples_per_prompt >= 2" in problems_of(cfg)
    dpo = run_config()
    dpo.algorithm.loss = "nope"
    assert problems_of(dpo).startswith("algorithm.loss: unknown loss 'nope'")


def test_a_learned_reward_without_a_path_says_what_path_is_expected() -> None:
    message = problems_of(run_config(reward=LearnedRewardConfig()))
    assert message.startswith("reward.path is required but was not given")
    assert "set reward.path=<value>" in message
    assert "a directory saved by algorithm=reward_model" in message


@pytest.mark.parametrize("path", ["/nonexistent/model", "./no-such-model", "../no/such", "~/nope"])
def test_a_local_model_path_that_is_not_there_says_so(path: str) -> None:
    message = problems_of(run_config(model=ModelConfig(name_or_path=path)))
    assert message.startswith(f"model.name_or_path={path!r}: the local directory")
    assert "does not exist" in message
    assert "Repo id" not in message  # not transformers' complaint about hub id characters


def test_a_local_model_path_that_is_there_or_a_hub_id_is_not_judged_here(tmp_path: Path) -> None:
    validate_run_config(run_config(model=ModelConfig(name_or_path=str(tmp_path))))
    validate_run_config(run_config(model=ModelConfig(name_or_path="Qwen/Qwen2.5-0.5B")))
    a_file = tmp_path / "weights.bin"
    a_file.write_bytes(b"")
    assert "is a file, not a directory" in problems_of(
        run_config(model=ModelConfig(name_or_path=str(a_file)))
    )


def test_run_validates_before_it_touches_anything(tmp_path: Path) -> None:
    from alignzoo.runner.run import run

    cfg = run_config()
    cfg.train.steps = -5

    class Untouchable:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"run() used plugins.{name} before validating")

    with pytest.raises(ConfigError, match=r"train.steps must be >= 1, got -5"):
        run(cfg, cast(LoadedPlugins, Untouchable()), tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("allowed", "expected", "inside", "outside"),
    [
        (at_least(1), ">= 1", [1, 2.5, 10**9], [0, 0.99, -1]),
        (above(0), "> 0", [1e-9, 3], [0, -1e-9]),
        (between(0, 1, high_open=True), "in [0, 1)", [0, 0.999], [1, -0.1]),
        (optional(at_least(1)), "null or >= 1", [None, 1], [0]),
        (Range(), "a finite number", [-1e300, 0], [float("nan"), float("-inf")]),
    ],
)
def test_ranges_say_what_they_allow(
    allowed: Range, expected: str, inside: list[Any], outside: list[Any]
) -> None:
    assert allowed.expected() == expected
    assert all(allowed.problem("k", value) is None for value in inside)
    assert all(
        allowed.problem("k", value) == f"k must be {expected}, got {value!r}" for value in outside
    )
    assert allowed.problem("k", "12") == f"k must be a number {expected}, got '12'"
    assert allowed.problem("k", True) is not None  # a bool is not a count


def test_what_fsdp2_does_not_shard_is_named_at_start() -> None:
    from alignzoo.config.schema import RolloutConfig, RolloutEngine, Sharding, ShardingConfig

    sharded = ShardingConfig(strategy=Sharding.fsdp2)
    validate_run_config(run_config(sharding=sharded, peft=LoraAdapterConfig()))
    message = problems_of(
        run_config(
            sharding=sharded,
            peft=LoraAdapterConfig(merge_at_end=True),
            quant=QuantConfig(),
            rollout=RolloutConfig(engine=RolloutEngine.vllm),
        )
    )
    for words in ("quant=4bit|8bit", "rollout.engine=vllm", "peft.merge_at_end=true"):
        assert f"sharding.strategy=fsdp2 with {words}" in message
    # unsharded, the same settings are not its problems
    plain = run_config(rollout=RolloutConfig(engine=RolloutEngine.vllm), quant=QuantConfig())
    validate_run_config(plain)
