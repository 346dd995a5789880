"""Atomic checkpoints: write beside the target, then swap, so a crash keeps the last good one.

A training checkpoint (``checkpoints/step_000120/``) holds what an exact resume needs: the
trained tensors (every parameter the optimizer updates: the whole model under full
fine-tuning, the adapter under LoRA, and an algorithm's own heads), and ``state.pt`` with the
optimizer, the schedule, every random generator, the step, the algorithm's and the reward's
state; ``config.yaml`` and ``overrides.json`` say how the run was configured. Each is
written into a staging folder, flushed to disk, and renamed into place: ``kill -9`` at any
moment leaves either the old or the new one.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from alignzoo.errors import ConfigError
from alignzoo.models.peft_check import is_peft_model

#: where a run keeps its training checkpoints
from alignzoo.run_layout import CHECKPOINTS, CONFIG, OVERRIDES, SHARDS, STATE, TENSORS

_STEP_DIR = re.compile(r"step_(\d+)")


def write_atomically(target: Path, fill: Callable[[Path], None]) -> Path:
    """``fill(staging)`` a new folder, flush it to disk, then swap it in for ``target``.

    The new folder is complete on disk before the old one is moved aside, and the old one is
    deleted only after the swap; a failure while filling leaves the old one untouched.
    """
    staging = fresh_staging(Path(target))
    try:
        fill(staging)
        _flush_to_disk(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # the old folder was never touched
        raise
    return swap_in(staging, Path(target))


def staging_for(target: Path) -> Path:
    """Where ``target``'s next version is written before it is swapped in."""
    return target.with_name(f".{target.name}.new")


def fresh_staging(target: Path) -> Path:
    """An empty staging folder for ``target`` (leftovers of a crash removed)."""
    staging, retired = staging_for(target), target.with_name(f".{target.name}.old")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def swap_in(staging: Path, target: Path) -> Path:
    """Put the complete, flushed ``staging`` folder in ``target``'s place, then delete the
    old one."""
    retired = target.with_name(f".{target.name}.old")
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    _fsync(target.parent)
    shutil.rmtree(retired, ignore_errors=True)
    return target


def save_policy(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    target: Path,
    extras: Callable[[Path], None] | None = None,
    state_dict: dict[str, torch.Tensor] | None = None,
) -> Path:
    """``save_pretrained`` (safetensors) into ``target``, replacing any previous one.

    ``extras(directory)`` may add files; it writes into the new folder before the swap.
    ``state_dict``: the weights to write instead of the model's own (a sharded model's,
    gathered whole).
    """

    def fill(staging: Path) -> None:
        # a LoRA policy saves its own adapter only (not a shared-base reward adapter)
        adapters: dict[str, Any] = (
            {"selected_adapters": [model.active_adapter]} if is_peft_model(model) else {}
        )
        if state_dict is not None:
            adapters["state_dict"] = state_dict
        model.save_pretrained(staging, safe_serialization=True, **adapters)
        tokenizer.save_pretrained(staging)
        if extras is not None:
            extras(staging)

    return write_atomically(target, fill)


def save_checkpoint(
    run_dir: Path,
    step: int,
    trained: Sequence[torch.nn.Parameter],
    names: Sequence[str],
    state: dict[str, Any],
    config_yaml: str,
    overrides: Sequence[str],
    keep: int,
) -> Path:
    """Write ``checkpoints/step_<step>`` atomically, then keep only the newest ``keep``.

    ``config_yaml`` and the command line's ``overrides`` say how the run was configured: a
    resumed run is composed again from the same overrides.
    """

    def fill(staging: Path) -> None:
        tensors = {f"{i:06d}": p.detach().cpu().contiguous() for i, p in enumerate(trained)}
        save_file(tensors, staging / TENSORS, metadata={"names": json.dumps(list(names))})
        torch.save(state, staging / STATE)
        (staging / CONFIG).write_text(config_yaml, encoding="utf-8")
        (staging / OVERRIDES).write_text(json.dumps(list(overrides)), encoding="utf-8")

    target = write_atomically(run_dir / CHECKPOINTS / f"step_{step:06d}", fill)
    _keep_newest(run_dir, target, keep)
    return target


def save_sharded_checkpoint(
    run_dir: Path,
    step: int,
    trained: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    state: dict[str, Any] | None,
    config_yaml: str,
    overrides: Sequence[str],
    keep: int,
    barrier: Callable[[], None],
) -> Path:
    """A sharded run's ``checkpoints/step_<step>``: every process writes its shards of the
    trained tensors and the optimizer's moments (``torch.distributed.checkpoint``, into
    ``shards/``), then the main process (the one given ``state``) adds the rest and swaps
    the folder in, as atomically as an unsharded checkpoint. Every process must call it."""
    import torch.distributed.checkpoint as dcp

    target = run_dir / CHECKPOINTS / f"step_{step:06d}"
    main = state is not None
    staging = fresh_staging(target) if main else staging_for(target)
    barrier()  # the staging folder exists for everyone
    try:
        dcp.save(sharded_state(trained, optimizer), checkpoint_id=staging / SHARDS)
        if main:
            torch.save(state, staging / STATE)
            (staging / CONFIG).write_text(config_yaml, encoding="utf-8")
            (staging / OVERRIDES).write_text(json.dumps(list(overrides)), encoding="utf-8")
            _flush_to_disk(staging)
    except BaseException:
        if main:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    if main:
        swap_in(staging, target)
        _keep_newest(run_dir, target, keep)
    barrier()
    return target


def sharded_state(trained: torch.nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """What a sharded checkpoint holds, keyed by parameter name (so any process count can
    read it back): the trained tensors of ``trained`` and ``optimizer``'s state."""
    from torch.distributed.checkpoint.state_dict import (
        StateDictOptions,
        get_model_state_dict,
        get_optimizer_state_dict,
    )

    return {
        "model": get_model_state_dict(trained, options=StateDictOptions(ignore_frozen_params=True)),
        "optimizer": get_optimizer_state_dict(
            trained, optimizer, options=StateDictOptions(flatten_optimizer_state_dict=True)
        ),
    }


def load_sharded_checkpoint(
    directory: Path, trained: torch.nn.Module, optimizer: torch.optim.Optimizer
) -> dict[str, Any]:
    """Read ``shards/`` into ``trained`` and ``optimizer``, on any number of processes,
    sharded or not (each takes its own part of every tensor), and return the state."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import (
        StateDictOptions,
        set_model_state_dict,
        set_optimizer_state_dict,
    )

    try:
        saved = sharded_state(trained, optimizer)
        dcp.load(saved, checkpoint_id=directory / SHARDS)
        set_model_state_dict(
            trained, saved["model"], options=StateDictOptions(ignore_frozen_params=True)
        )
        set_optimizer_state_dict(
            trained,
            optimizer,
            saved["optimizer"],
            options=StateDictOptions(flatten_optimizer_state_dict=True),
        )
        return torch.load(directory / STATE, weights_only=True, map_location="cpu")
    except Exception as error:  # a missing shard, a tensor of another shape, ...
        raise ConfigError(
            f"resume: checkpoint {directory} cannot be read ({type(error).__name__}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else error!r}); "
            "resume it with the config it was saved with, or from an earlier checkpoint"
        ) from None


def _keep_newest(run_dir: Path, target: Path, keep: int) -> None:
    # the one just written counts as the newest: a run resumed from before a damaged later
    # checkpoint must not prune its own new one in favour of that
    for old in [*(path for path in checkpoints(run_dir) if path != target), target][:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def checkpoints(run_dir: Path) -> list[Path]:
    """The run's complete checkpoints, oldest first (staging leftovers are not among them)."""
    folder = Path(run_dir) / CHECKPOINTS
    if not folder.is_dir():
        return []
    found = [
        (int(match.group(1)), path)
        for path in folder.iterdir()
        if (match := _STEP_DIR.fullmatch(path.name)) and (path / STATE).is_file()
    ]
    return [path for _, path in sorted(found)]


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The run's newest complete checkpoint, or None."""
    found = checkpoints(run_dir)
    return found[-1] if found else None


def checkpoint_problem(directory: Path) -> str | None:
    """Why the checkpoint ``directory`` cannot be resumed from (a damaged or missing file), or
    None. Reads headers only, not the tensors: the safetensors header, which also checks the
    file is as long as it says, the zip directory of ``state.pt``, and the config files."""
    sharded = (directory / SHARDS).is_dir()
    tensors = f"{SHARDS}/.metadata" if sharded else TENSORS
    for name in (tensors, STATE, CONFIG, OVERRIDES):
        if not (directory / name).is_file():
            return f"{name} is missing"
    try:
        if sharded:  # the index of every process's shard file
            from torch.distributed.checkpoint import FileSystemReader

            FileSystemReader(str(directory / SHARDS)).read_metadata()
        else:
            with safe_open(str(directory / TENSORS), framework="pt") as saved:
                json.loads((saved.metadata() or {}).get("names", "[]"))
    except Exception as error:  # safetensors raises its own SafetensorError, not exported
        return f"{tensors} cannot be read ({type(error).__name__}: {error})"
    try:
        with zipfile.ZipFile(directory / STATE) as archive:  # what torch.save writes
            archive.namelist()
    except (OSError, zipfile.BadZipFile) as error:
        return f"{STATE} cannot be read ({type(error).__name__}: {error})"
    try:
        (directory / CONFIG).read_text(encoding="utf-8")
        overrides = json.loads((directory / OVERRIDES).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return f"{CONFIG} or {OVERRIDES} cannot be read ({type(error).__name__}: {error})"
    if not isinstance(overrides, list):
        return f"{OVERRIDES} holds no list of overrides"
    return None


def load_checkpoint(
    directory: Path, trained: Sequence[torch.nn.Parameter], names: Sequence[str]
) -> dict[str, Any]:
    """Copy the checkpoint's tensors into ``trained`` and return its state (weights only).

    A file damaged past what ``checkpoint_problem`` saw is a ``ConfigError`` naming it."""
    try:
        return _load_checkpoint(directory, trained, names)
    except ConfigError:
        raise
    except Exception as error:  # SafetensorError, a torch unpickling or zip error, ...
        raise ConfigError(
            f"resume: checkpoint {directory} cannot be read ({type(error).__name__}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else error!r}); "
            "resume from an earlier one (resume=auto skips damaged ones) or start afresh"
        ) from error


def _load_checkpoint(
    directory: Path, trained: Sequence[torch.nn.Parameter], names: Sequence[str]
) -> dict[str, Any]:
    path = directory / TENSORS
    with safe_open(str(path), framework="pt") as saved:
        saved_names = json.loads((saved.metadata() or {}).get("names", "[]"))
        if saved_names != list(names):
            was, now = first_difference(saved_names, names)
            raise ConfigError(
                f"{path}: its {len(saved_names)} trained tensors are not this run's "
                f"{len(names)} (saved {was} where this run has {now}); resume it with the "
                "config it was saved with"
            )
        with torch.no_grad():
            for i, parameter in enumerate(trained):
                parameter.copy_(saved.get_tensor(f"{i:06d}"))
    return torch.load(directory / STATE, weights_only=True, map_location="cpu")


def first_difference(saved: Sequence[str], now: Sequence[str]) -> tuple[str, str]:
    """The first items (stripped, quoted) where ``saved`` and ``now`` differ, for a message;
    "nothing" on the side that ended first."""
    for a, b in itertools.zip_longest(saved, now):
        if a != b:
            return _quoted(a), _quoted(b)
    return "nothing", "nothing"


def _quoted(item: str | None) -> str:
    return repr(item.strip()) if item is not None else "nothing"


def _flush_to_disk(folder: Path) -> None:
    """fsync every file under ``folder``, then the folders themselves."""
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                os.fsync(handle.fileno())
        _fsync(Path(root))


def _fsync(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
