"""Atomic checkpoints: write beside the target, then swap, so a crash keeps the last good one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peft import PeftModel
from transformers import PreTrainedModel, PreTrainedTokenizerBase


def save_policy(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    target: Path,
    extras: Callable[[Path], None] | None = None,
) -> Path:
    """``save_pretrained`` (safetensors) into ``target``, replacing any previous checkpoint.

    ``extras(directory)`` may add files; it writes into the new checkpoint before the swap.

    The new checkpoint is complete on disk before the old one is moved aside, and the old
    one is deleted only after the swap.
    """
    target = Path(target)
    staging, retired = (
        target.with_name(f".{target.name}.new"),
        target.with_name(f".{target.name}.old"),
    )
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        # a LoRA policy saves its own adapter only (not a shared-base reward adapter)
        adapters: dict[str, Any] = (
            {"selected_adapters": [model.active_adapter]} if isinstance(model, PeftModel) else {}
        )
        model.save_pretrained(staging, safe_serialization=True, **adapters)
        tokenizer.save_pretrained(staging)
        if extras is not None:
            extras(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # the old checkpoint was never touched
        raise
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)
    return target
