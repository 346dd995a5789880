"""The sandboxed process's own first steps, before it runs the program (standard library only:
run by path with ``python -I``, it imports nothing of alignzoo).

Layers, each where the machine allows it; the Python audit hook is always there:
- resource limits: address space, CPU seconds, file size, open files, no core dumps, and
  processes (``RLIMIT_NPROC``; root ignores it, so root joins a pids cgroup the parent made);
- no network: a network namespace of its own (``unshare``), and Landlock denying TCP bind
  and connect where the kernel has Landlock ABI 4;
- writes only beneath its folder: Landlock (ABI 1), which binds root too;
- no signals to processes outside it: Landlock's signal scope (ABI 6);
- a Python audit hook, which Python code cannot remove: no fork, exec, subprocess, socket,
  ctypes, resource-limit change or signal, and no write outside the folder.
Exit codes: 0 passed, 2 syntax error, 3 a test failed (AssertionError or a non-zero exit),
4 any other crash (MemoryError included).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

PASSED, SYNTAX, WRONG, CRASH = 0, 2, 3, 4

# Landlock (linux/landlock.h): syscalls, rule type and access bits
CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
WRITE_FILE, REMOVE_DIR, REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK = 1 << 6, 1 << 7, 1 << 8, 1 << 9
MAKE_FIFO, MAKE_BLOCK, MAKE_SYM, REFER, TRUNCATE = 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def limit_resources(settings: dict) -> None:
    """Address space, CPU seconds, file size, open files, core dumps, processes."""
    limits = {
        resource.RLIMIT_AS: settings["memory_bytes"],
        resource.RLIMIT_CPU: settings["cpu_seconds"],
        resource.RLIMIT_FSIZE: settings["file_bytes"],
        resource.RLIMIT_NOFILE: 64,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: settings["max_processes"],
    }
    for kind, value in limits.items():
        resource.setrlimit(kind, (value, value))


def join_pids_cgroup(folder: str | None) -> None:
    """Count this process and its descendants against the cgroup's ``pids.max``."""
    if folder:
        with open(os.path.join(folder, "cgroup.procs"), "w") as procs:
            procs.write(str(os.getpid()))


def leave_the_network(libc: ctypes.CDLL) -> bool:
    """A network namespace of its own (only a loopback, down); as root directly, otherwise
    inside a user namespace of its own."""
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    return libc.unshare(flags) == 0


def landlock(libc: ctypes.CDLL, folder: str) -> int:
    """Writes only beneath ``folder``, no TCP, no signals out; the ABI version applied (0:
    none on this kernel)."""
    abi = libc.syscall(CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    if abi < 1:
        return 0
    writes = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG
    writes |= MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK | MAKE_SYM
    writes |= (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(
        handled_access_fs=writes,
        handled_access_net=NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
        scoped=SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0,
    )
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        return 0
    for path, allowed in ((folder, writes), ("/dev/null", WRITE_FILE)):
        fd = os.open(path, os.O_PATH)
        beneath = _PathBeneathAttr(allowed_access=allowed, parent_fd=fd)
        libc.syscall(ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(beneath), 0)
        os.close(fd)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    applied = libc.syscall(RESTRICT_SELF, ruleset, 0) == 0
    os.close(ruleset)
    return abi if applied else 0


#: audit events refused outright: new processes, sockets, native code, limits, signals
REFUSED = {
    "os.fork", "os.forkpty", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
    "os.startfile", "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg",
    "signal.pthread_kill", "socket.__new__", "socket.connect", "socket.bind",
    "socket.getaddrinfo", "socket.sendto", "ctypes.dlopen", "ctypes.dlsym",
    "ctypes.call_function", "ctypes.cdata", "resource.setrlimit", "resource.prlimit",
    "os.setuid", "os.chroot", "mmap.__new__", "sys.remote_exec",
}  # fmt: skip
#: audit events whose first argument is a path that must lie in the folder
PATH_EVENTS = {
    "os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.chmod", "os.chown", "os.link",
    "os.symlink", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move", "os.chflags",
}  # fmt: skip
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
#: modules whose functions start processes without an audit event of their own
REFUSED_IMPORTS = {"_posixsubprocess", "multiprocessing", "_multiprocessing"}


def audit_hook(folder: str):
    """The hook: refuses ``REFUSED``, and writes (``open`` for writing, ``PATH_EVENTS``)
    anywhere but beneath ``folder``."""
    root = os.path.realpath(folder)

    def inside(path: object) -> bool:
        if isinstance(path, int):  # a descriptor: opened already, under these rules
            return True
        text = os.fsdecode(path) if isinstance(path, str | bytes) else str(path)
        resolved = os.path.realpath(os.path.join(root, text))
        return resolved == root or resolved.startswith(root + os.sep)

    def hook(event: str, args: tuple) -> None:
        if event in REFUSED or (event == "import" and args[0] in REFUSED_IMPORTS):
            raise PermissionError(f"sandbox: {event} {args[0] if args else ''} is not allowed")
        if event == "open" and len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & WRITE_FLAGS
            )
            if writes and path is not None and not inside(path):
                raise PermissionError(f"sandbox: writing {path!r} is not allowed")
        elif event in PATH_EVENTS:
            for path in args[:2] if event in ("os.rename", "os.link", "shutil.move") else args[:1]:
                if path is not None and not inside(path):
                    raise PermissionError(f"sandbox: {event} on {path!r} is not allowed")

    return hook


def main() -> None:
    """Confine this process, then run the program; the exit code says how it went."""
    settings = json.loads(sys.argv[1])
    folder = settings["folder"]
    os.chdir(folder)
    join_pids_cgroup(settings.get("pids_cgroup"))
    libc = ctypes.CDLL(None, use_errno=True)
    leave_the_network(libc)
    landlock(libc, folder)
    limit_resources(settings)
    with open(settings["program"], encoding="utf-8") as file:
        source = file.read()
    try:
        code = compile(source, settings["program"], "exec")
    except (SyntaxError, ValueError):
        os._exit(SYNTAX)
    import traceback  # before the hook: the program's failure is printed with it

    if settings.get("audit_hook", True):  # off only to test the layers beneath it
        sys.addaudithook(audit_hook(folder))
    sys.argv = [settings["program"]]
    try:
        exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
    except AssertionError:
        _leave(WRONG, traceback)
    except SystemExit as stop:
        _leave(PASSED if stop.code in (0, None) else WRONG, None)
    except BaseException:
        _leave(CRASH, traceback)
    _leave(PASSED, None)


def _leave(code: int, traceback: object) -> None:
    """Print the failure, flush, and exit at once (no clean-up code of the program runs)."""
    try:
        if traceback is not None:
            traceback.print_exc(limit=-3)  # type: ignore[attr-defined]
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
