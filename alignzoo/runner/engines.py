"""Which of accelerate's distributed engines the runner trains on.

DDP (``launch/ddp.yaml``) is tested on two processes in CI. FSDP and DeepSpeed wrap the model
and optimizer together and gather sharded weights inside every forward, so sampling, the
reference with the adapter off and saving each need their own handling; none of that can
run without GPUs (accelerate's FSDP and DeepSpeed need CUDA), so until it is validated on
them the runner refuses these engines at start rather than train wrongly or hang. Their
launch files ship for the planner (``alignzoo-plan launch=launch/fsdp.yaml``).
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
            "--config_file launch/ddp.yaml (data parallel), and see what "
            f"{UNVALIDATED[distributed_type]} would divide with alignzoo-plan launch=<file>"
        )
