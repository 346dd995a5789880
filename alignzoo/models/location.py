"""Tell a local model directory from a hub id before ``from_pretrained`` guesses.

Given ``/nonexistent``, transformers complains that a hub repo id may not contain ``/`` at
its start, which sends the user looking in the wrong place. A value written as a path is
read from disk, so when that directory is missing, say so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from alignzoo.errors import ConfigError

#: how a value that means a place on disk starts (a hub id never starts so)
LOCAL_PREFIXES = ("/", "./", "../", "~")


def looks_local(name_or_path: str) -> bool:
    """Whether ``name_or_path`` is written as a filesystem path rather than a hub id."""
    return name_or_path in (".", "..") or name_or_path.startswith(LOCAL_PREFIXES)


def local_directory_problem(name_or_path: str) -> str | None:
    """Why a value written as a path names no directory (None: it does, or it is a hub id)."""
    if not looks_local(name_or_path):
        return None
    path = Path(os.path.expanduser(name_or_path))
    if path.is_dir():
        return None
    found = "is a file, not a directory" if path.exists() else "does not exist"
    return (
        f"the local directory {str(path.absolute())!r} {found} (a value starting with /, ./, "
        "../ or ~ is read from disk, not from the Hugging Face hub)"
    )


def model_location(name_or_path: str, key: str) -> str:
    """``name_or_path`` ready for ``from_pretrained`` (``~`` expanded), or a ``ConfigError``
    naming ``key`` when it is written as a path to a directory that is not there."""
    problem = local_directory_problem(name_or_path)
    if problem is not None:
        raise ConfigError(
            f"{key}={name_or_path!r}: {problem}; expected a directory saved with save_pretrained"
        )
    return os.path.expanduser(name_or_path) if looks_local(name_or_path) else name_or_path


ADAPTER_CONFIG = "adapter_config.json"


def adapter_base(name_or_path: str) -> str | None:
    """The base model a saved LoRA adapter directory was trained on; None for a full model."""
    config = Path(name_or_path) / ADAPTER_CONFIG
    if not config.is_file():
        return None
    base = json.loads(config.read_text()).get("base_model_name_or_path")
    if not base:
        raise ConfigError(f"{config}: a LoRA adapter without base_model_name_or_path")
    return base
