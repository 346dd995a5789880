"""A tuning trial sets its learning rate and strength into the config it trains with, the
same for every algorithm that ships a conf/tune/<name>.yaml, and refuses a trial it cannot set."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from alignzoo.config.prepare import prepare
from alignzoo.config.tuning import apply_trial
from alignzoo.config.validation import validate_run_config
from alignzoo.errors import ConfigError


def _compose(*overrides: str):
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides))


def _tuned_algorithms() -> list[str]:
    from hydra.core.global_hydra import GlobalHydra

    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        return list(GlobalHydra.instance().config_loader().get_group_options("tune"))


def test_every_algorithm_that_compares_on_gold_ships_a_search_of_three_strengths() -> None:
    names = _tuned_algorithms()
    expected = {"dpo", "simpo", "kto", "rlaif", "online_dpo", "ppo", "grpo", "rloo"}
    assert expected | {"reinforce_pp", "rejection_sampling"} <= set(names)
    for name in names:  # an equal budget: as many strengths for each
        cfg = _compose(f"+tune={name}")
        assert len(cfg.tuning.strengths) == 3, name
        assert cfg.algorithm == _compose(f"algorithm={name}").algorithm, name


@pytest.mark.parametrize("name", ["dpo", "ppo", "online_dpo", "rejection_sampling"])
def test_a_trial_trains_at_the_scaled_budget_rate_and_the_indexed_strength(name: str) -> None:
    plain = _compose(f"+tune={name}")
    cfg = _compose(f"+tune={name}", "tuning.lr_scale=3", "tuning.strength_index=2")
    field = cfg.tuning.strength
    trial = apply_trial(cfg)
    assert cfg.train.learning_rate == pytest.approx(3 * plain.train.learning_rate, rel=1e-6)
    assert OmegaConf.select(cfg.algorithm, field) == cfg.tuning.strengths[2]
    assert OmegaConf.select(plain.algorithm, field) != cfg.tuning.strengths[2]
    assert trial == {
        "train.learning_rate": cfg.train.learning_rate,
        f"algorithm.{field}": cfg.tuning.strengths[2],
    }
    validate_run_config(cfg)  # the values it set are in range
    # applied once: the config now says what it trains, and composes the same run again
    assert cfg.tuning.lr_scale == 1.0 and cfg.tuning.strength_index is None
    assert apply_trial(cfg) is None


def test_the_scaled_rate_carries_no_binary_noise() -> None:
    cfg = _compose("+tune=ppo", "train.learning_rate=1e-4", "tuning.lr_scale=3")
    apply_trial(cfg)
    assert cfg.train.learning_rate == 3e-4  # not 3.0000000000000003e-4


def test_a_plain_run_is_not_a_trial() -> None:
    cfg = _compose()
    before = OmegaConf.to_yaml(cfg)
    assert apply_trial(cfg) is None
    assert OmegaConf.to_yaml(cfg) == before


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        (["tuning.strength_index=0"], "tuning.strength names no field"),
        (["+tune=dpo", "tuning.strength_index=3"], "tuning.strengths has 3 values"),
        (["+tune=dpo", "tuning.strength=gamma", "tuning.strength_index=0"], "'gamma'"),
    ],
)
def test_a_trial_it_cannot_set_is_refused_naming_the_key(overrides, named) -> None:
    cfg = _compose(*overrides)
    with pytest.raises(ConfigError, match=named):
        apply_trial(cfg)
