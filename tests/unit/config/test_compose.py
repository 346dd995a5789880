"""Every config in alignzoo/conf/ and the plugins composes; overrides reach the plugin's
dataclass; typos name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from alignzoo.config.prepare import prepare
from alignzoo.config.schema import LoraAdapterConfig, QuantConfig
from alignzoo.errors import ConfigError
from alignzoo_dpo.config import DPOConfig

CONF = Path(__file__).parents[3] / "alignzoo" / "conf"
#: every first-party plugin's own presets, budgets, search and experiment points
PLUGIN_CONF = Path(__file__).parents[3] / "plugins"
#: groups outside the defaults list (named experiments, frontier points, search entries)
APPENDED = ("experiment", "frontier", "overoptimization", "pipeline", "rlvr", "tune")


def _compose(*overrides: str):
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides))


def _group_members() -> list[tuple[str, str]]:
    shipped = [*CONF.glob("*/*.yaml"), *PLUGIN_CONF.glob("*/conf/*/*.yaml")]
    return sorted((p.parent.name, p.stem) for p in shipped)


def test_default_config_composes_to_dpo_on_the_builtin_task() -> None:
    cfg = _compose()
    assert OmegaConf.get_type(cfg.algorithm) is DPOConfig
    assert cfg.data.train_prompts > 0 and cfg.model.name_or_path is None


@pytest.mark.parametrize(("group", "name"), _group_members())
def test_every_yaml_in_conf_composes(group: str, name: str) -> None:
    extra = ["model.name_or_path=some/model"] if (group, name) == ("model", "hf") else []
    if group == "data" and name == "hf":
        extra = ["data.path=pairs.jsonl"]
    if group == "reward" and name == "judge_chat":
        extra = ["reward.model=some/chat-model"]
    prefix = "+" if group in APPENDED else ""
    cfg = _compose(f"{prefix}{group}={name}", *extra)
    OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)


@pytest.mark.parametrize(
    ("group", "name"),
    [("algorithm", "dpo"), ("data", "sentiment"), ("data", "hf"), ("reward", "gold")],
)
def test_plugin_registered_members_compose(group: str, name: str) -> None:
    cfg = _compose(f"{group}={name}")
    assert group in cfg


def test_algorithm_overrides_reach_the_typed_config() -> None:
    cfg = _compose("algorithm.beta=0.5", "algorithm.loss=ipo")
    dpo = OmegaConf.to_object(cfg.algorithm)
    assert isinstance(dpo, DPOConfig)
    assert dpo.beta == 0.5 and dpo.loss == "ipo"


@pytest.mark.parametrize(("preset", "beta"), [("ipo", 0.5), ("sigmoid_norm", 2.0)])
def test_preset_selects_a_loss_variant_with_its_own_beta(preset: str, beta: float) -> None:
    cfg = _compose(f"algorithm={preset}")
    assert OmegaConf.get_type(cfg.algorithm) is DPOConfig and cfg.algorithm.loss == preset
    assert cfg.algorithm.beta == beta  # the per-token losses need their own scale of beta


def test_a_mixture_of_losses_composes_and_a_bad_name_is_refused_before_any_model_loads() -> None:
    cfg = _compose("algorithm.loss=[sigmoid,sft]", "algorithm.loss_weights=[1.0,0.05]")
    dpo = OmegaConf.to_object(cfg.algorithm)
    assert dpo.loss == ["sigmoid", "sft"] and dpo.loss_weights == [1.0, 0.05]
    with pytest.raises(ConfigError, match="algorithm.loss: unknown loss 'nope'"):
        OmegaConf.to_object(_compose("algorithm.loss=nope").algorithm)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("algorithm.bta=0.5", "bta"),
        ("algorithm.beta=strong", "beta"),
        ("train.stepz=3", "stepz"),
        ("model.dtype=float8", "dtype"),
    ],
)
def test_bad_override_fails_at_compose_time_naming_the_key(override: str, named: str) -> None:
    with pytest.raises(ConfigCompositionException) as error:
        _compose(override)
    message = f"{error.value} {error.value.__cause__}"
    assert named in message


def test_unknown_algorithm_lists_the_available_ones() -> None:
    with pytest.raises(Exception, match=r"(?s)algorithm.*dpo"):
        _compose("algorithm=nonexistent")


def test_peft_and_quant_default_to_none() -> None:
    cfg = _compose()
    assert cfg.peft is None and cfg.quant is None


def test_peft_lora_and_quant_4bit_are_typed() -> None:
    from alignzoo.config import LoraAdapterConfig, QuantConfig

    cfg = _compose("peft=lora", "quant=4bit", "peft.r=4", "quant.quant_type=fp4")
    lora, quant = OmegaConf.to_object(cfg.peft), OmegaConf.to_object(cfg.quant)
    assert isinstance(lora, LoraAdapterConfig) and lora.r == 4
    assert lora.target_modules == ["all-linear"]
    assert isinstance(quant, QuantConfig) and quant.bits == 4 and quant.quant_type.value == "fp4"
    assert OmegaConf.to_object(_compose("quant=8bit").quant).bits == 8


@pytest.mark.parametrize("override", ["peft.rank=4", "quant.quant_type=int3", "peft.r=many"])
def test_peft_and_quant_typos_name_the_key(override: str) -> None:
    group = override.split(".")[0]
    with pytest.raises(ConfigCompositionException) as raised:
        _compose(f"{group}={'lora' if group == 'peft' else '4bit'}", override)
    assert override.split("=")[0].split(".")[1] in str(raised.value.__cause__ or raised.value)


def test_frontier_points_set_each_algorithms_strength_knob() -> None:
    assert _compose("+frontier=dpo_beta_0.01").algorithm.beta == 0.01
    ppo = _compose("+frontier=ppo_kl_0.2")
    assert ppo.algorithm.kl_coef == 0.2 and ppo.reward is not None
    assert _compose("+frontier=rlaif_beta_0.03").algorithm.dpo.beta == 0.03
    assert _compose("+frontier=grpo_beta_0.2").algorithm.beta == 0.2
    assert _compose("+frontier=rloo_beta_0.01").algorithm.beta == 0.01


def test_a_best_of_n_point_sets_n_on_the_training_reward() -> None:
    cfg = _compose("+experiment=frontier", "+frontier=best_of_n_64")
    assert cfg.algorithm.n == 64 and cfg.reward is not None


def test_frontier_experiment_sweeps_every_point_on_one_budget() -> None:
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=["+experiment=frontier"], return_hydra_config=True)
    assert cfg.hydra.sweeper.params["+frontier"] == "glob(*)"
    assert cfg.train.steps == 150
    assert cfg.hydra.callbacks.comparison_report._target_.endswith("ComparisonReportCallback")


def test_rlaif_types_its_dpo_field_by_the_dpo_plugins_config_through_the_registry() -> None:
    cfg = _compose("algorithm=rlaif", "algorithm.dpo.beta=0.5")
    rlaif = OmegaConf.to_object(cfg.algorithm)
    assert isinstance(rlaif.dpo, DPOConfig) and rlaif.dpo.beta == 0.5
    with pytest.raises(ConfigCompositionException) as error:
        _compose("algorithm=rlaif", "algorithm.dpo.bta=0.5")
    assert "bta" in str(error.value.__cause__ or error.value)


@pytest.mark.parametrize(
    ("override", "allowed"),
    [
        ("device=gpu", "auto, cpu, cuda"),
        ("quant=4bit quant.compute_dtype=half", "auto, float32, bfloat16, float16"),
        ("algorithm=rlaif algorithm.judge.quant=3bit", "none, 4bit, 8bit"),
        ("algorithm=ppo reward=length reward.unit=tokens", "words, chars"),
    ],
)
def test_enumerated_fields_refuse_other_values_at_compose_time(override: str, allowed: str) -> None:
    with pytest.raises(ConfigCompositionException) as error:
        _compose(*override.split(), "peft=lora")
    assert f"expected one of [{allowed}]" in str(error.value.__cause__ or error.value)


def test_peft_and_quant_are_typed_optional_nodes() -> None:
    cfg = _compose("peft=lora", "quant=4bit")
    assert OmegaConf.get_type(cfg.peft) is LoraAdapterConfig
    assert OmegaConf.get_type(cfg.quant) is QuantConfig
    with pytest.raises(ConfigCompositionException):
        _compose("peft=lora", "peft.rank=4")  # a typed node: a stranger key fails


def test_a_frontier_point_keeps_its_own_learning_rate_over_the_algorithms_budget() -> None:
    """DPO's default budget climbs slowly (3e-5); the frontier's DPO points sweep at 1e-4."""
    assert _compose("algorithm=dpo").train.learning_rate == 3e-5
    point = _compose("+experiment=frontier", "+frontier=dpo_beta_0.1")
    assert (point.algorithm.beta, point.train.learning_rate) == (0.1, 1e-4)
