"""Run folders that two runs can never share, and that fail in one line when unwritable.

Hydra names a run's folder by the second it started (``outputs/<date>/<time>``), so two runs
started in the same second from the same place would write into one folder. The
``alignzoo_unique`` resolver (``alignzoo/conf/config.yaml``) wraps that name: it claims the first of
``X``, ``X_1``, ``X_2``, ... that it can create itself (``os.mkdir`` fails when the folder
exists, so two processes cannot both claim one), and answers the same folder every time it
is resolved again in the same process. A folder given on the command line
(``hydra.run.dir=...``) replaces the resolver and is used as given.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from alignzoo.errors import ConfigError

RESOLVER = "alignzoo_unique"

#: the folder claimed for each base name, once per process: Hydra resolves its run folder
#: several times (the job, its logging, the callbacks) and each must get the same answer
_claimed: dict[str, str] = {}


def claim_unique_folder(base: str) -> str:
    """The first of ``base``, ``base_1``, ``base_2``, ... this process could create (or had).

    In a multi-process run (``accelerate launch``) only the first process claims a folder;
    each other one writes its Hydra files under ``<base>/rank<N>``, inside the run's folder.
    """
    if base in _claimed:
        return _claimed[base]
    rank = os.environ.get("RANK", "0")
    if rank != "0":
        return os.path.join(base, f"rank{rank}")
    parent = os.path.dirname(base)
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as error:
            raise ConfigError(_unwritable(parent, error)) from None
    for number in itertools.count():
        candidate = base if number == 0 else f"{base}_{number}"
        try:
            os.mkdir(candidate)
        except FileExistsError:  # another run has it, or had it: never share
            continue
        except OSError as error:
            raise ConfigError(_unwritable(candidate, error)) from None
        _claimed[base] = candidate
        return candidate
    raise AssertionError("unreachable")  # itertools.count() never ends


def forget_claims() -> None:
    """Let the next resolution claim afresh (a new process would; tests do it by hand)."""
    _claimed.clear()


def register_unique_folder_resolver() -> None:
    """Make ``${alignzoo_unique:<base>}`` available to configs; idempotent."""
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(RESOLVER, _resolve)


def check_writable(folder: str) -> None:
    """Raise a ``ConfigError`` naming ``folder`` unless a file can be created in it."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ConfigError(_unwritable(folder, error)) from None


class WritableOutputFolder(Callback):
    """Ends the command in one line when the run's (or sweep's) folder cannot be written.

    Hydra would otherwise fail later, while opening its log file there, with a long logging
    traceback. Any exception from a resolver or a callback gets Hydra's traceback too; a
    ``SystemExit`` does not, so that is how the message leaves.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Check ``hydra.run.dir`` before the job starts."""
        _exit_unless_writable(config, "hydra.run.dir")

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Check ``hydra.sweep.dir`` before the first job starts."""
        _exit_unless_writable(config, "hydra.sweep.dir")


def _exit_unless_writable(config: DictConfig, key: str) -> None:
    folder = str(OmegaConf.select(config, key))
    try:
        check_writable(folder)
    except ConfigError as error:
        raise SystemExit(f"alignzoo: {error}") from None


def _resolve(base: str) -> str:
    try:
        return claim_unique_folder(base)
    except ConfigError as error:  # see WritableOutputFolder: one line, not a traceback
        raise SystemExit(f"alignzoo: {error}") from None


def _unwritable(folder: str, error: OSError) -> str:
    reason = error.strerror or type(error).__name__
    return (
        f"cannot write the output folder {folder!r} ({reason}); run from a writable folder "
        "or choose one with hydra.run.dir=<folder> (hydra.sweep.dir=<folder> for -m)"
    )
