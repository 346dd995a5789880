"""The learning-rate schedule: a linear warmup, then constant, linear or cosine decay, built from
torch's own schedulers.

Why not ``transformers.get_scheduler`` for these: importing it imports transformers' trainer
utilities, and with them peft and bitsandbytes (and torch's inductor) whenever they are
installed: 145 MB of resident memory and about 2.5 s at start for a warmup and a decay. Any
other transformers scheduler name (``cosine_with_restarts``, ``polynomial``, ...) still goes
to ``get_scheduler``, imported only then.
"""

from __future__ import annotations

from torch.optim import Optimizer
from torch.optim.lr_scheduler import (
    ConstantLR,
    CosineAnnealingLR,
    LinearLR,
    LRScheduler,
    SequentialLR,
)

#: the schedule names built here; transformers' names for the same shapes
TORCH_BUILT = ("constant", "constant_with_warmup", "linear", "cosine")


def build_scheduler(
    name: str, optimizer: Optimizer, warmup_steps: int, total_steps: int
) -> LRScheduler:
    """The schedule ``name`` over ``total_steps`` optimizer steps, the first ``warmup_steps``
    rising linearly to the optimizer's learning rate (none for ``constant``)."""
    if name not in TORCH_BUILT:
        from transformers import get_scheduler  # the rarer shapes: transformers has them

        return get_scheduler(
            name, optimizer, num_warmup_steps=warmup_steps, num_training_steps=total_steps
        )
    warmup = 0 if name == "constant" else min(warmup_steps, total_steps)
    decay_steps = max(total_steps - warmup, 1)
    if name == "linear":
        decay: LRScheduler = LinearLR(optimizer, 1.0, 0.0, total_iters=decay_steps)
    elif name == "cosine":
        decay = CosineAnnealingLR(optimizer, T_max=decay_steps)
    else:
        decay = ConstantLR(optimizer, factor=1.0, total_iters=0)
    if warmup == 0:
        return decay
    # step k of the warmup runs at (k + 1) / (warmup + 1) of the rate: never a step at 0
    rise = LinearLR(optimizer, 1.0 / (warmup + 1), 1.0, total_iters=warmup)
    return SequentialLR(optimizer, [rise, decay], milestones=[warmup])
