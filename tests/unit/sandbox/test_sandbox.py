"""The sandbox contains what a model's program or a data row's tests may try: writing outside
its folder, the network, running past its time, exhausting memory, a fork bomb.

Each attack runs twice: with every layer, and with the Python audit hook off, so that the
operating system's layers (Landlock, the network namespace, the pids cgroup or
RLIMIT_NPROC, the kill of the whole process group) are shown to hold on their own.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from alignzoo.sandbox import Limits, Outcome, run_sandboxed
from alignzoo.sandbox.run import landlock_abi

LIMITS = Limits(time_s=2.0, memory_mb=256, max_processes=8)
LAYERS = [
    pytest.param(True, id="all-layers"),
    pytest.param(False, id="os-layers-only"),
]


def _run(program: str, audit_hook: bool, **limits: object) -> object:
    fields = {"time_s": 2.0, "memory_mb": 256, "max_processes": 8} | limits
    return run_sandboxed(program, Limits(audit_hook=audit_hook, **fields))  # type: ignore[arg-type]


def _group_is_gone(pid: int) -> bool:
    """No living process is left in the program's process group (a killed orphan may stay a
    zombie until init reaps it: it runs nothing and holds no memory)."""
    for _ in range(100):  # SIGKILL is delivered asynchronously
        living = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pid and fields[0] != "Z":  # state, ppid, pgrp
                living.append(stat.parent.name)
        if not living:
            return True
        time.sleep(0.05)
    return False


def test_outcomes_are_told_apart() -> None:
    assert run_sandboxed("assert sum([1, 2]) == 3\n", LIMITS).outcome is Outcome.passed
    assert run_sandboxed("assert sum([1, 2]) == 4\n", LIMITS).outcome is Outcome.wrong
    assert run_sandboxed("import sys\nsys.exit(1)\n", LIMITS).outcome is Outcome.wrong
    assert run_sandboxed("def f(:\n", LIMITS).outcome is Outcome.syntax
    crashed = run_sandboxed("raise KeyError('k')\n", LIMITS)
    assert crashed.outcome is Outcome.crash and "KeyError" in crashed.stderr
    assert run_sandboxed("print('hi')\n", LIMITS).stdout == "hi\n"


@pytest.mark.parametrize("audit_hook", LAYERS)
def test_it_cannot_write_outside_its_folder(audit_hook: bool, tmp_path: Path) -> None:
    if not audit_hook and landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock: only the audit hook confines writes")
    target = tmp_path / "escaped.txt"
    result = _run(f"open({str(target)!r}, 'w').write('x')\n", audit_hook)
    assert result.outcome is Outcome.crash and "PermissionError" in result.stderr
    assert not target.exists()
    renamed = _run(
        f"import os\nos.mkdir('d')\nos.rename('d', {str(tmp_path / 'd')!r})\n", audit_hook
    )
    assert renamed.outcome is Outcome.crash and not (tmp_path / "d").exists()
    inside = _run(
        "open('mine.txt', 'w').write('x')\nassert open('mine.txt').read() == 'x'\n", audit_hook
    )
    assert inside.outcome is Outcome.passed


@pytest.mark.parametrize("audit_hook", LAYERS)
def test_it_cannot_open_a_network_connection(audit_hook: bool) -> None:
    program = "import socket\ns = socket.socket()\ns.settimeout(1)\ns.connect(('127.0.0.1', 9))\n"
    result = _run(program, audit_hook)
    assert result.outcome is Outcome.crash
    assert any(word in result.stderr for word in ("PermissionError", "OSError", "unreachable"))


@pytest.mark.parametrize("audit_hook", LAYERS)
def test_it_cannot_outlive_its_time_limit_nor_leave_a_process_behind(audit_hook: bool) -> None:
    spin = _run("while True:\n    pass\n", audit_hook, time_s=1.0)
    assert spin.outcome is Outcome.timeout and spin.seconds < 4
    program = (  # a child that would sleep on after its parent is killed
        "import os, time\ntry:\n    os.fork()\nexcept PermissionError:\n    pass\ntime.sleep(60)\n"
    )
    started = time.monotonic()
    result = _run(program, audit_hook, time_s=1.0)
    assert result.outcome is Outcome.timeout and time.monotonic() - started < 5
    assert _group_is_gone(result.pid)


@pytest.mark.parametrize("audit_hook", LAYERS)
def test_it_cannot_exhaust_the_machines_memory(audit_hook: bool) -> None:
    result = _run("blocks = [bytearray(64 * 1024**2) for _ in range(10_000)]\n", audit_hook)
    assert result.outcome is Outcome.crash and "MemoryError" in result.stderr
    assert result.seconds < 5


@pytest.mark.parametrize("audit_hook", LAYERS)
def test_a_fork_bomb_is_contained(audit_hook: bool) -> None:
    if not audit_hook and os.geteuid() == 0 and not Path("/sys/fs/cgroup/pids").exists():
        if not Path("/sys/fs/cgroup/cgroup.controllers").exists():
            pytest.skip("root without a pids cgroup: only the audit hook stops a fork bomb")
    program = (
        "import os, time\nforks = 0\n"
        "try:\n"
        "    while True:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        forks += 1\n"
        "finally:\n"
        "    print(forks, flush=True)\n"
    )
    result = _run(program, audit_hook, max_processes=8)
    assert result.outcome is Outcome.crash
    assert int(result.stdout.split()[0]) < 8  # stopped at the limit (0 with the hook)
    assert _group_is_gone(result.pid)


def test_starting_other_programs_or_native_code_is_refused() -> None:
    for program in (
        "import subprocess\nsubprocess.run(['true'])\n",
        "import os\nos.system('true')\n",
        "import ctypes\nctypes.CDLL(None)\n",
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))\n",
    ):
        result = run_sandboxed(program, LIMITS)
        assert result.outcome is Outcome.crash and "sandbox:" in result.stderr, program
