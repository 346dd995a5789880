"""``alignzoo-plan``: will this run fit? The peak-memory breakdown, before loading any weight.

Takes the same overrides as ``alignzoo`` plus its own options::

    alignzoo-plan model=hf model.name_or_path=meta-llama/Llama-2-7b-hf algorithm=ppo \\
        reward=gold peft=lora quant=4bit gpu_memory=24GB

Options: ``gpu_memory=`` (24GB, 80GiB, 16000MB; GB and GiB both mean 2^30 bytes, as GPU
memory is sold), ``sequence_tokens=`` (tokens of a training row; default ``model.max_length``)
and ``prompt_tokens=`` (tokens of a prompt before sampling; default: ``model.max_length`` less
the sampled tokens); for several processes, ``launch=launch/fsdp.yaml`` (an ``accelerate
launch`` config file: its process count and what its engine divides; with
``sharding.strategy=fsdp2`` a data-parallel file plans the runner's own FSDP2) or
``processes=`` and ``zero_stage=`` (0 for DDP, 1-3). Only the model's config is read
(config.json), never its weights.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from alignzoo.algorithms.traits import step_memory
from alignzoo.config.schema import (
    DType,
    ModelConfig,
    RolloutConfig,
    RolloutEngine,
    TrainConfig,
    VLLMEngineConfig,
    optional_dataclass,
)
from alignzoo.errors import AlignzooError, ConfigError
from alignzoo.models.location import adapter_base
from alignzoo.models.quant_presets import quant_preset
from alignzoo.planning.memory import (
    MemoryPlan,
    RunShape,
    Term,
    format_plan,
    plan_memory,
    reward_model_term,
)
from alignzoo.planning.model_shape import (
    ModelShape,
    llama_family_shape,
    meta_device_shape,
    model_shape,
)
from alignzoo.planning.sharding import (
    Sharding,
    check_sharding,
    shard_plan,
    sharding_from_launch_file,
)
from alignzoo.registry import LoadedPlugins

OPTIONS = ("gpu_memory", "sequence_tokens", "prompt_tokens", "launch", "processes", "zero_stage")
DTYPE_BYTES = {DType.float32: 4, DType.bfloat16: 2, DType.float16: 2}
_UNITS = {"": 2**30, "g": 2**30, "gb": 2**30, "gib": 2**30, "m": 2**20, "mb": 2**20, "mib": 2**20}


def parse_memory(text: str) -> float:
    """Bytes in ``24GB``, ``80GiB``, ``16000MB`` (GB = GiB = 2^30 bytes)."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in _UNITS:
        raise ConfigError(f"gpu_memory={text!r}: expected a size such as 24GB, 80GiB or 16000MB")
    return float(match.group(1)) * _UNITS[match.group(2).lower()]


def plan_run(
    cfg: DictConfig,
    plugins: LoadedPlugins,
    sequence_tokens: int | None = None,
    prompt_tokens: int | None = None,
    sharding: Sharding | None = None,
    gpu_memory: float | None = None,
) -> tuple[MemoryPlan, str]:
    """The memory plan of the composed run ``cfg`` (on one of ``sharding``'s processes), and a
    line naming what was planned; ``gpu_memory`` sizes a vLLM engine's share."""
    registry = plugins.registry
    model_cfg: ModelConfig = OmegaConf.to_object(cfg.model)  # type: ignore[assignment]
    if model_cfg.name_or_path:
        source = adapter_base(model_cfg.name_or_path) or model_cfg.name_or_path
        shape = _shape_of(source, model_cfg, "model.name_or_path", model_cfg.revision)
    else:
        data_component = registry.for_config("data", cfg.data)
        source = f"data={data_component.name}'s base model"
        if data_component.base_model_config is not None:  # plugin API 1.3: nothing built
            config = data_component.base_model_config(OmegaConf.to_object(cfg.data))
        else:
            config = data_component.build(cfg.data).base_model_config()
        if config is None:
            raise ConfigError(
                f"model.name_or_path is not set and data={data_component.name} has no base "
                "model of its own; set model.name_or_path"
            )
        shape = model_shape(config, model_cfg.trust_remote_code)
    algorithm = registry.for_config("algorithm", cfg.algorithm)
    train: TrainConfig = OmegaConf.to_object(cfg.train)  # type: ignore[assignment]
    sharding = _run_sharding(cfg, sharding or Sharding())
    train = _per_process(train, sharding.processes)
    algorithm_config = OmegaConf.to_object(cfg.algorithm)
    traits = step_memory(algorithm.traits, algorithm_config, train, shape.hidden, registry)
    sequence = sequence_tokens or model_cfg.max_length
    sampled = max(traits.rollout_new_tokens, cfg.eval.sampling.max_new_tokens)
    run = RunShape(
        kind=algorithm.traits.model_kind,
        weight_bytes=DTYPE_BYTES[model_cfg.dtype],
        traits=traits,
        sequence_tokens=sequence,
        prompt_tokens=prompt_tokens or max(1, model_cfg.max_length - sampled),
        eval_rows=min(cfg.eval.batch_size, cfg.eval.num_prompts),
        eval_new_tokens=cfg.eval.sampling.max_new_tokens,
        lora=optional_dataclass(cfg.peft),
        quant=optional_dataclass(cfg.quant),
        gradient_checkpointing=train.gradient_checkpointing,
        reference=algorithm.traits.needs_reference_for(algorithm_config),
    )
    plan = shard_plan(plan_memory(shape, run), sharding, shape, run.weight_bytes)
    if (term := _reward_model(cfg, model_cfg, shape)) is not None:
        plan.persistent.append(term)
    rollout: RolloutConfig = OmegaConf.to_object(cfg.rollout)  # type: ignore[assignment]
    if rollout.engine is RolloutEngine.vllm:
        _add_vllm_engine(plan, rollout.vllm, shape.parameters * run.weight_bytes, gpu_memory)
    weights = "float" if run.quant is None else f"{run.quant.bits}-bit"
    header = (
        f"algorithm={algorithm.name} on {source}: {shape.parameters / 1e6:.1f}M parameters, "
        f"{shape.layers} layers, hidden {shape.hidden}, vocab {shape.vocab}; "
        f"{'LoRA' if run.lora else 'full fine-tuning'}, {weights} weights in "
        f"{model_cfg.dtype.value}; rows of {sequence} tokens"
    )
    if sharding.processes > 1:
        header += f"; {sharding.describe()}"
    return plan, header


def _add_vllm_engine(
    plan: MemoryPlan, config: VLLMEngineConfig, weight_bytes: float, gpu_memory: float | None
) -> None:
    """A colocated vLLM engine takes ``gpu_memory_utilization`` of the device (weights, KV
    cache; without ``gpu_memory=``, at least a copy of the weights). Asleep between rollouts
    it holds nothing while training steps (sleep level 1: weights to host memory, KV cache
    dropped), so it counts only where the run samples (in a rollout in place of generate's
    KV cache); awake, in every phase."""
    if gpu_memory is not None:
        share = config.gpu_memory_utilization * gpu_memory
        formula = (
            f"rollout.vllm.gpu_memory_utilization {config.gpu_memory_utilization:g} x gpu_memory"
        )
    else:
        share = weight_bytes
        formula = "a copy of the weights at least (give gpu_memory= for its whole share)"
    engine = Term("vLLM engine", share, formula)
    if not config.sleep:
        plan.persistent.append(engine)
        return
    if "rollout" in plan.phases:  # the engine samples: no generate KV cache
        kept = [t for t in plan.phases["rollout"] if "KV" not in t.name]
        plan.phases["rollout"] = [*kept, engine]
    if "evaluation" in plan.phases:  # the engine, and generate for the reference's samples
        plan.phases["evaluation"] = [*plan.phases["evaluation"], engine]


def _per_process(train: TrainConfig, processes: int) -> TrainConfig:
    """Each process trains its share of the global batch (micro-batches no larger)."""
    share = -(-train.batch_size // processes)
    micro = None if train.micro_batch_size is None else min(train.micro_batch_size, share)
    return replace(train, batch_size=share, micro_batch_size=micro)


def _reward_model(cfg: DictConfig, model_cfg: ModelConfig, policy: ModelShape) -> Term | None:
    """The model a reward (or an rlaif judge) loads, named by its ``path`` or ``model`` field.

    A judge without a model of its own reads the task's base model: the policy's shape.
    """
    for node in (cfg.reward, cfg.algorithm.get("judge")):
        if node is None or not ({"path", "model"} & set(node)):
            continue
        field = "path" if "path" in node else "model"
        name = node.get(field)
        shape = policy
        if name is not None:
            shape = _shape_of(adapter_base(name) or name, model_cfg, f"reward.{field}")
        quant = quant_preset(str(node.get("quant", "none")), "reward.quant")
        return reward_model_term(shape, 4, quant, bool(node.get("share_base", False)))
    return None


def _shape_of(
    name: str, model_cfg: ModelConfig, field: str, revision: str | None = None
) -> ModelShape:
    """The shape of model ``name`` from its config.json (never its weights): counted for the
    Llama family without importing torch, else built on the meta device."""
    values = _config_json(name, field, revision)
    if (shape := llama_family_shape(values)) is not None:
        return shape
    from transformers import AutoConfig  # the meta build needs transformers and torch anyway

    config = AutoConfig.from_pretrained(
        name, revision=revision, trust_remote_code=model_cfg.trust_remote_code
    )
    return meta_device_shape(config, model_cfg.trust_remote_code)


def _config_json(name: str, field: str, revision: str | None) -> dict[str, Any]:
    """config.json of a local directory or hub id (from the hub's cache, or downloaded)."""
    try:
        if Path(name).is_dir():
            path = Path(name) / "config.json"
        else:
            from huggingface_hub import hf_hub_download

            path = Path(hf_hub_download(name, "config.json", revision=revision))
        values = json.loads(path.read_text())
    except (OSError, ValueError) as error:  # missing, unreachable, not JSON, a bad repo id
        raise ConfigError(
            f"{field}={name!r}: no model config there (expected a hub id or a directory "
            f"with config.json): {error}"
        ) from error
    if not isinstance(values, dict):
        raise ConfigError(f"{field}={name!r}: its config.json is not a JSON object")
    return values


def main(argv: Sequence[str] | None = None) -> None:
    """Compose the run from the command line and print its memory breakdown."""
    from alignzoo.config.prepare import prepare  # the same plugins (and presets) as a run

    args = list(sys.argv[1:] if argv is None else argv)
    options = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in args if a.split("=")[0] in OPTIONS}
    overrides = [a for a in args if a.split("=")[0] not in OPTIONS]
    try:
        budget = parse_memory(options["gpu_memory"]) if "gpu_memory" in options else None
        plugins = prepare()
        with initialize_config_module("alignzoo.conf", version_base="1.3"):
            cfg = compose("config", overrides=overrides)
        plan, header = plan_run(
            cfg,
            plugins,
            sequence_tokens=_int_option(options, "sequence_tokens"),
            prompt_tokens=_int_option(options, "prompt_tokens"),
            sharding=_sharding(options),
            gpu_memory=budget,
        )
    except AlignzooError as error:
        sys.exit(f"alignzoo-plan: {error}")
    print(header)
    print(format_plan(plan, budget))
    if budget is not None and plan.peak_bytes > budget:
        sys.exit(1)


def _run_sharding(cfg: DictConfig, sharding: Sharding) -> Sharding:
    """``sharding.strategy=fsdp2`` on a data-parallel launch is the runner's own FSDP2: ZeRO-3
    (ZeRO-2 with ``sharding.reshard_after_forward=false``), a frozen reference copy sharded
    as the policy is."""
    if OmegaConf.select(cfg, "sharding.strategy") != "fsdp2" or sharding.stage != 0:
        return sharding
    stage = 3 if OmegaConf.select(cfg, "sharding.reshard_after_forward") else 2
    source = " and ".join(s for s in (sharding.source, "sharding.strategy=fsdp2") if s)
    return Sharding(sharding.processes, stage, source, reference_divided=stage == 3)


def _sharding(options: dict[str, str]) -> Sharding:
    """From ``launch=`` (a file), then ``processes=`` / ``zero_stage=`` over it."""
    sharding = Sharding()
    if "launch" in options:
        sharding = sharding_from_launch_file(Path(options["launch"]))
    processes, stage = _int_option(options, "processes"), _int_option(options, "zero_stage")
    if processes is not None or stage is not None:
        sharding = Sharding(
            processes if processes is not None else sharding.processes,
            stage if stage is not None else sharding.stage,
            sharding.source and f"{sharding.source} and the command line",
        )
    return check_sharding(sharding)


def _int_option(options: dict[str, str], name: str) -> int | None:
    if name not in options:
        return None
    try:
        return int(options[name])
    except ValueError:
        raise ConfigError(f"{name}={options[name]!r}: expected a whole number") from None
