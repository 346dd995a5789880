"""Which of accelerate's distributed engines the runner trains on.

Its data-parallel launch (``launch/ddp.yaml``) runs DDP, or, with ``sharding.strategy=fsdp2``,
the runner's own FSDP2 (torch's ``fully_shard`` per decoder layer, the same code on gloo and
nccl); both are tested on two CPU processes in CI. accelerate's own FSDP plugin needs an
accelerator (it falls back to no distribution without one) and DeepSpeed has not been
validated on GPUs, so the runner refuses those two at start rather than train wrongly or
hang. Their launch files ship for the planner (``alignzoo-plan launch=launch/fsdp.yaml``).
"""

from __future__ import annotations

from accelerate.utils import DistributedType

from alignzoo.errors import ConfigError

UNVALIDATED = {
    DistributedType.FSDP: "launch/fsdp.yaml",
    DistributedType.DEEPSPEED: "launch/deepspeed_zero2.yaml, launch/deepspeed_zero3.yaml",
}


def check_engine(distributed_type: DistributedType) -> None:
    """Refuse, before any model loads, an engine the runner has not been validated on."""
    if distributed_type in UNVALIDATED:
        raise ConfigError(
            f"accelerate launched this run with distributed_type={distributed_type.value}, "
            "which alignzoo does not train on yet (not validated on GPUs); launch with "
            "--config_file launch/ddp.yaml and add sharding.strategy=fsdp2 to shard the model "
            "(FSDP2), or leave it out for data parallel; see what "
            f"{UNVALIDATED[distributed_type]} would divide with alignzoo-plan launch=<file>"
        )
