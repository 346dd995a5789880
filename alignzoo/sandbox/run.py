"""Running untrusted code (a model's program, a data row's tests) in a sandbox: a process of
its own, confined by ``child.py``, watched and killed from here.

The parent's part: a private folder (``mkdtemp``, removed after), the program written there,
a new session (so one ``killpg`` reaches every process it started), a pids cgroup when
running as root (root ignores ``RLIMIT_NPROC``), output to files capped by ``RLIMIT_FSIZE``
(a flood cannot fill the parent's memory), a wall-clock limit, then SIGKILL to the whole
process group whatever happened.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

CHILD = Path(__file__).with_name("child.py")
#: bytes of output kept of each stream (and the most a file may grow to)
OUTPUT_BYTES = 64 * 1024
#: where a pids cgroup can be made, cgroup v2 or v1's pids hierarchy
CGROUP_ROOTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/pids"))


class Outcome(StrEnum):
    """How a sandboxed program ended."""

    passed = "passed"
    #: it does not compile
    syntax = "syntax"
    #: a test failed (an AssertionError, or a non-zero exit)
    wrong = "wrong"
    #: it ran past its wall or CPU time
    timeout = "timeout"
    #: anything else: an exception, a memory error, a signal
    crash = "crash"


_CODES = {0: Outcome.passed, 2: Outcome.syntax, 3: Outcome.wrong}


@dataclass(frozen=True)
class Limits:
    """What one program may use."""

    time_s: float = 5.0
    memory_mb: int = 512
    max_processes: int = 16
    #: the Python audit hook (off only in the tests of the operating system's layers)
    audit_hook: bool = True


@dataclass(frozen=True)
class SandboxResult:
    """What came of one program."""

    outcome: Outcome
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    #: the program's process id, which was also its process group's (gone by now)
    pid: int


def run_sandboxed(program: str, limits: Limits = Limits()) -> SandboxResult:
    """Run the Python ``program`` confined (see ``child.py``) and report how it ended."""
    folder = Path(tempfile.mkdtemp(prefix="alignzoo-sandbox-"))
    cgroup = _pids_cgroup(limits.max_processes)
    started = time.monotonic()
    try:
        (folder / "program.py").write_text(program, encoding="utf-8")
        settings = {
            "folder": str(folder),
            "program": "program.py",
            "memory_bytes": limits.memory_mb * 1024 * 1024,
            "cpu_seconds": max(1, int(limits.time_s + 0.999)),
            "file_bytes": OUTPUT_BYTES,
            "max_processes": limits.max_processes,
            "pids_cgroup": str(cgroup) if cgroup else None,
            "audit_hook": limits.audit_hook,
        }
        with open(folder / ".stdout", "wb+") as out, open(folder / ".stderr", "wb+") as err:
            process = subprocess.Popen(
                [sys.executable, "-I", str(CHILD), json.dumps(settings)],
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                env={"PATH": os.defpath, "HOME": str(folder), "PYTHONDONTWRITEBYTECODE": "1"},
            )
            timed_out = False
            try:
                process.wait(timeout=limits.time_s + 1.0)  # + start-up, which is not its time
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                _kill_group(process)
            out.seek(0)
            err.seek(0)
            stdout, stderr = (f.read(OUTPUT_BYTES).decode(errors="replace") for f in (out, err))
        return SandboxResult(
            _outcome(process.returncode, timed_out),
            process.returncode,
            stdout,
            stderr,
            time.monotonic() - started,
            process.pid,
        )
    finally:
        _remove_cgroup(cgroup)
        shutil.rmtree(folder, ignore_errors=True)


def _outcome(returncode: int | None, timed_out: bool) -> Outcome:
    """The outcome of an exit code; the CPU limit's SIGXCPU (or SIGKILL past its hard limit)
    is a timeout too."""
    if timed_out or returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return Outcome.timeout
    return _CODES.get(returncode if returncode is not None else -1, Outcome.crash)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to every process of the program's session, then reap the program."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _pids_cgroup(max_processes: int) -> Path | None:
    """A fresh pids cgroup allowing ``max_processes``, where this process may make one (root);
    None elsewhere (``RLIMIT_NPROC`` then binds)."""
    if os.geteuid() != 0:
        return None
    for root in CGROUP_ROOTS:
        if not (root / "cgroup.procs").exists():
            continue
        folder = root / f"alignzoo-sandbox-{uuid.uuid4().hex[:12]}"
        try:
            folder.mkdir()
            (folder / "pids.max").write_text(str(max_processes))
            return folder
        except OSError:
            _remove_cgroup(folder)
    return None


def _remove_cgroup(folder: Path | None) -> None:
    """Remove the cgroup once its processes are gone (killed already)."""
    if folder is None:
        return
    for _ in range(50):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # the last processes are still being reaped
            time.sleep(0.01)


def landlock_abi() -> int:
    """The Landlock ABI this kernel offers (0: none): 1 confines writes, 4 TCP, 6 signals."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return max(0, int(libc.syscall(444, None, ctypes.c_size_t(0), 1)))
    except (OSError, AttributeError):
        return 0
