"""FSDP2: every decoder layer, then the whole model, sharded over the processes with torch's
``fully_shard`` (as torchtune and torchtitan do), the same code on CPU (gloo) and GPU (nccl).

Each process holds 1/N of every parameter, gradient and optimizer moment; a layer's weights
are gathered just before its forward and freed after. Every process must therefore run the
same forward passes in the same order: ``generate`` keeps them in step itself (transformers
turns on ``synced_gpus`` for a module marked as FSDP-managed), and evaluation gives every
process the same number of chunks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict
from torch.distributed.tensor import DTensor

from alignzoo.errors import ConfigError
from alignzoo.models.peft_check import transformers_model


def shard(model: torch.nn.Module, reshard_after_forward: bool = True) -> None:
    """Shard ``model`` in place over all processes: each decoder layer (the classes its
    transformers model names in ``_no_split_modules``) is one unit, the rest (embeddings,
    final norm, head) the root's. A LoRA policy's root is its transformers model, so that
    peft's ``generate``, which calls that model directly, still gathers the root's weights."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    root = transformers_model(model)
    mesh = init_device_mesh(_device_type(model), (torch.distributed.get_world_size(),))
    layer_classes = set(getattr(root, "_no_split_modules", None) or [])
    layers = [module for module in root.modules() if type(module).__name__ in layer_classes]
    if not layers:
        raise ConfigError(
            f"sharding.strategy=fsdp2: {type(root).__name__} names no decoder layer class "
            "(_no_split_modules) to shard by; train it without sharding"
        )
    for layer in layers:
        fully_shard(layer, mesh=mesh, reshard_after_forward=reshard_after_forward)
    fully_shard(root, mesh=mesh, reshard_after_forward=reshard_after_forward)
    root._is_fsdp_managed_module = True  # generate then keeps the processes in step


def is_sharded(model: torch.nn.Module) -> bool:
    """Whether ``model`` (or, under peft, its transformers model) was sharded by :func:`shard`."""
    return bool(getattr(transformers_model(model), "_is_fsdp_managed_module", False))


def full_state_dict(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every process's shards gathered into whole tensors on the CPU of the main process (the
    others get an empty dict). Every process must call it."""
    options = StateDictOptions(full_state_dict=True, cpu_offload=True)
    state: dict[str, torch.Tensor] = get_model_state_dict(model, options=options)  # type: ignore[assignment]
    return state


@contextmanager
def gradient_sync_held(model: torch.nn.Module) -> Iterator[None]:
    """Accumulate gradients locally, unreduced, until the last micro-batch of an update (as
    DDP's ``no_sync``): one reduce-scatter per optimizer step instead of one per
    micro-batch."""
    root = transformers_model(model)
    root.set_requires_gradient_sync(False)
    try:
        yield
    finally:
        root.set_requires_gradient_sync(True)


def clip_grad_norm(parameters: Iterable[torch.nn.Parameter], max_norm: float) -> float:
    """Clip the gradients of sharded (DTensor) and plain parameters together to one total
    norm, returned; torch's ``clip_grad_norm_`` cannot mix the two kinds in one call (an
    algorithm's own head is a plain tensor beside a sharded policy)."""
    kinds: dict[bool, list[torch.nn.Parameter]] = {True: [], False: []}
    for parameter in parameters:
        if parameter.grad is not None:
            kinds[isinstance(parameter.grad, DTensor)].append(parameter)
    squares = 0.0
    for kind in kinds.values():
        if kind:
            norm = torch.nn.utils.get_total_norm([p.grad for p in kind])  # type: ignore[misc]
            norm = norm.full_tensor() if isinstance(norm, DTensor) else norm
            squares += float(norm) ** 2
    total = math.sqrt(squares)
    if math.isfinite(total):
        for kind in kinds.values():
            if kind:
                torch.nn.utils.clip_grads_with_norm_(kind, max_norm, torch.tensor(total))
    return total


def _device_type(model: Any) -> str:
    return next(model.parameters()).device.type
