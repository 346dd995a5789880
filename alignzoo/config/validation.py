"""Check a composed run config before anything is built, so a bad value costs no model load.

Hydra already refuses a misspelt key or a wrong type; this adds what types cannot say: values
left out (``???``), numbers outside their field's declared range (``field_ranges``), a local
model directory that is not there, and the checks of each plugin's own config
(``__post_init__``). Every problem is gathered into one ``ConfigError`` naming each key.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from alignzoo.config.ranges import config_problems, raise_problems
from alignzoo.errors import ConfigError
from alignzoo.models.location import local_directory_problem

#: field metadata saying what a required field expects, for the message when it is left out
EXPECTS = "expects"
#: the groups whose configs belong to plugins, checked by their dataclasses' __post_init__
PLUGIN_GROUPS = ("algorithm", "reward", "data")
QUANT_BITS = (4, 8)


def required(expects: str) -> Any:
    """A dataclass field with no default (``???``); left out, the error says ``expects``."""
    return dataclasses.field(default=MISSING, metadata={EXPECTS: expects})


def validate_run_config(cfg: DictConfig) -> None:
    """Raise one ``ConfigError`` naming every key whose value is missing or out of range."""
    problems = [_missing_problem(cfg, key) for key in sorted(OmegaConf.missing_keys(cfg))]
    problems += config_problems(cfg)
    problems += _quant_problems(cfg)
    problems += _sharding_problems(cfg)
    problems += _model_path_problems(cfg)
    for group in PLUGIN_GROUPS:
        # a group already at fault is not built: its __post_init__ would repeat the problem
        if not any(p.startswith((f"{group}.", f"{group}[")) for p in problems):
            problems += _post_init_problems(cfg, group)
    raise_problems(problems)


def _missing_problem(cfg: DictConfig, key: str) -> str:
    expects = _field_metadata(cfg, key).get(EXPECTS)
    hint = f"; expected {expects}" if expects else ""
    return f"{key} is required but was not given: set {key}=<value>{hint}"


def _field_metadata(cfg: DictConfig, key: str) -> dict[str, Any]:
    """The dataclass metadata of the field at dotted ``key``, when its parent is typed."""
    parent_key, _, name = key.rpartition(".")
    try:
        parent = OmegaConf.select(cfg, parent_key, throw_on_missing=False) if parent_key else cfg
    except OmegaConfBaseException:
        return {}
    kind = OmegaConf.get_type(parent) if isinstance(parent, DictConfig) else None
    if kind is None or not dataclasses.is_dataclass(kind):
        return {}
    fields = {f.name: f for f in dataclasses.fields(kind)}
    return dict(fields[name].metadata) if name in fields else {}


def _model_path_problems(cfg: DictConfig) -> list[str]:
    name_or_path = OmegaConf.select(cfg, "model.name_or_path", throw_on_missing=False)
    problem = local_directory_problem(name_or_path) if isinstance(name_or_path, str) else None
    if problem is None:
        return []
    return [
        f"model.name_or_path={name_or_path!r}: {problem}; expected a directory saved with "
        "save_pretrained, or a hub id like 'owner/name'"
    ]


def _quant_problems(cfg: DictConfig) -> list[str]:
    bits = OmegaConf.select(cfg, "quant.bits", throw_on_missing=False)
    if bits is None or bits in QUANT_BITS:
        return []
    return [f"quant.bits must be 4 or 8, got {bits!r}"]


def _sharding_problems(cfg: DictConfig) -> list[str]:
    """What FSDP2 is not built for: a bitsandbytes base, the vLLM engine (its weight sync
    reads whole tensors), and merging a LoRA adapter at the end (peft merges whole tensors)."""
    if OmegaConf.select(cfg, "sharding.strategy", throw_on_missing=False) != "fsdp2":
        return []
    problems = []
    if OmegaConf.select(cfg, "quant", throw_on_missing=False) is not None:
        problems.append(
            "sharding.strategy=fsdp2 with quant=4bit|8bit: a bitsandbytes base is not "
            "sharded here; use quant=none (LoRA on a sharded base needs no quantization)"
        )
    if OmegaConf.select(cfg, "rollout.engine", throw_on_missing=False) == "vllm":
        problems.append(
            "sharding.strategy=fsdp2 with rollout.engine=vllm: the engine's weight sync reads "
            "whole tensors; use rollout.engine=hf"
        )
    if OmegaConf.select(cfg, "peft.merge_at_end", throw_on_missing=False):
        problems.append(
            "sharding.strategy=fsdp2 with peft.merge_at_end=true: peft merges whole tensors; "
            "merge the saved adapter afterwards (peft's merge_and_unload on one process)"
        )
    return problems


def _post_init_problems(cfg: DictConfig, group: str) -> list[str]:
    """Build the group's plugin dataclass, which runs its own checks, and report them."""
    node = cfg.get(group) if group in cfg else None
    if not isinstance(node, DictConfig) or OmegaConf.get_type(node) in (None, dict):
        return []
    try:
        OmegaConf.to_object(node)
    except ConfigError as error:
        return [str(error)]
    return []
