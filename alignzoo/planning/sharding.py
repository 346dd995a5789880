"""What each process holds when the run is spread over several: DDP, ZeRO and FSDP.

Data parallelism (DDP) copies everything to every process; only the batch is divided. The
sharded engines divide the trained state among the N processes, by ZeRO stage:

* stage 1: the optimizer state;
* stage 2 (FSDP without resharding after forward): and the gradients;
* stage 3 (FSDP's full shard): and the weights, each layer gathered whole for its forward
  and backward (this and the next one, prefetched).

The stage is read from an ``accelerate launch`` config file (``launch/*.yaml``) or given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from omegaconf import OmegaConf

from alignzoo.errors import ConfigError
from alignzoo.planning.memory import MemoryPlan, Term
from alignzoo.planning.model_shape import ModelShape

#: what each stage divides, by the planner's term names
DIVIDED_AT_STAGE = {"optimizer": 1, "gradients": 2, "weights": 3, "adapter": 3}
ENGINES = {0: "DDP", 1: "ZeRO-1", 2: "ZeRO-2", 3: "ZeRO-3"}
_FSDP1_STAGES = {"FULL_SHARD": 3, "HYBRID_SHARD": 3, "SHARD_GRAD_OP": 2, "NO_SHARD": 0}
_DATA_PARALLEL = {"MULTI_GPU", "MULTI_CPU", "MULTI_XPU", "MULTI_NPU", "MULTI_MLU", "NO"}


@dataclass(frozen=True)
class Sharding:
    """N processes, and the ZeRO stage of what they divide among themselves (0: DDP)."""

    processes: int = 1
    stage: int = 0
    #: where the figures came from (a launch file, or the command line)
    source: str = ""
    #: a frozen reference copy is sharded too (the runner's FSDP2 shards it; accelerate's
    #: engines wrap only the trained model)
    reference_divided: bool = False

    def describe(self) -> str:
        engine = ENGINES[self.stage]
        where = f" (from {self.source})" if self.source else ""
        return f"per process of {self.processes}, {engine}{where}"


def sharding_from_launch_file(path: Path) -> Sharding:
    """The processes and stage an ``accelerate launch --config_file`` file asks for."""
    try:
        config = OmegaConf.to_container(OmegaConf.load(path))
    except Exception as error:  # a missing file or bad YAML: both the user's to fix
        raise ConfigError(
            f"launch={path}: cannot read it as an accelerate config: {error}"
        ) from None
    if not isinstance(config, dict) or "distributed_type" not in config:
        raise ConfigError(f"launch={path}: expected an accelerate config with distributed_type")
    kind = str(config["distributed_type"])
    processes = int(config.get("num_processes", 1)) * int(config.get("num_machines", 1) or 1)
    if kind == "DEEPSPEED":
        stage = int((config.get("deepspeed_config") or {}).get("zero_stage", 2))
    elif kind == "FSDP":
        fsdp = config.get("fsdp_config") or {}
        if int(fsdp.get("fsdp_version", 1)) == 2:
            stage = 3 if fsdp.get("fsdp_reshard_after_forward", True) else 2
        else:
            strategy = str(fsdp.get("fsdp_sharding_strategy", "FULL_SHARD"))
            if strategy not in _FSDP1_STAGES:
                raise ConfigError(
                    f"launch={path}: fsdp_config.fsdp_sharding_strategy={strategy!r}, "
                    f"expected one of {sorted(_FSDP1_STAGES)}"
                )
            stage = _FSDP1_STAGES[strategy]
    elif kind in _DATA_PARALLEL:
        stage = 0
    else:
        raise ConfigError(
            f"launch={path}: distributed_type={kind!r} is not planned; expected DEEPSPEED, FSDP "
            "or a data-parallel type (MULTI_GPU, MULTI_CPU)"
        )
    return check_sharding(Sharding(processes, stage, str(path)))


def check_sharding(sharding: Sharding) -> Sharding:
    if sharding.processes < 1:
        raise ConfigError(f"processes={sharding.processes}: expected 1 or more")
    if sharding.stage not in ENGINES:
        raise ConfigError(f"zero_stage={sharding.stage}: expected 0 (DDP), 1, 2 or 3")
    return sharding


def shard_plan(
    plan: MemoryPlan, sharding: Sharding, shape: ModelShape, weight_bytes: int
) -> MemoryPlan:
    """``plan`` (already on each process's share of the batch) as one process holds it."""
    n = sharding.processes
    if n == 1 or sharding.stage == 0:
        return plan

    divided_at = DIVIDED_AT_STAGE | ({"reference": 3} if sharding.reference_divided else {})

    def divide(term: Term) -> Term:
        if sharding.stage < divided_at.get(term.name, 4):
            return term
        return replace(term, bytes=term.bytes / n, formula=f"({term.formula}) / {n} processes")

    phases = {name: [divide(t) for t in terms] for name, terms in plan.phases.items()}
    if sharding.stage == 3:  # a forward needs its layer whole: this one and the next, prefetched
        layer = shape.linear_parameters / max(shape.layers, 1) * weight_bytes
        gathered = Term(
            "gathered layers",
            2 * layer,
            f"2 decoder layers gathered whole (this one and the next, prefetched): "
            f"2 x {shape.linear_parameters / max(shape.layers, 1) / 1e6:.3g}M x {weight_bytes} B",
        )
        phases = {name: [*terms, gathered] for name, terms in phases.items()}
    return MemoryPlan([divide(t) for t in plan.persistent], phases)
