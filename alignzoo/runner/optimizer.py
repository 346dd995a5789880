"""AdamW over the trained parameters, in torch's fused form where the parameters allow it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.distributed.tensor import DTensor

#: devices whose fused AdamW kernel torch ships
FUSED_DEVICES = {"cpu", "cuda"}


def build_optimizer(
    parameters: Sequence[torch.nn.Parameter], learning_rate: float, weight_decay: float
) -> torch.optim.AdamW:
    """AdamW as TRL's default uses it: one fused kernel per step, not the ``foreach`` form,
    whose temporaries the size of the trained parameters raised a 1B bf16 model's DPO peak
    on an H100 from 10.9 to 13.0 GiB, and whose step is 5x slower on the CPU. Mixed devices
    or non-float parameters fall back to ``foreach``. Sharded (FSDP2) parameters and plain
    ones (an algorithm's own head) form two groups: one kernel call cannot mix them."""
    devices = {p.device.type for p in parameters}
    fused = (
        len(devices) == 1
        and devices <= FUSED_DEVICES
        and all(p.is_floating_point() for p in parameters)
    )
    kinds: dict[bool, list[torch.nn.Parameter]] = {}
    for parameter in parameters:
        kinds.setdefault(isinstance(parameter, DTensor), []).append(parameter)
    groups: Any = [{"params": kind} for kind in kinds.values()] if len(kinds) > 1 else parameters
    return torch.optim.AdamW(
        groups, lr=learning_rate, weight_decay=weight_decay, fused=fused or None
    )
