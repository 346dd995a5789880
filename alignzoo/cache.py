"""A per-user cache of built artefacts (the built-in base model, sampled pairs), written atomically.

Entries are directories keyed by a hash of everything that determines their content, so a
changed config builds a new entry and a crash mid-build never leaves a half-written one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cache_root() -> Path:
    """``$ALIGNZOO_CACHE``, else ``$XDG_CACHE_HOME/alignzoo``, else ``~/.cache/alignzoo``."""
    if env := os.environ.get("ALIGNZOO_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "alignzoo"


def cache_key(spec: dict[str, Any]) -> str:
    """A short stable hash of a JSON-serialisable spec."""
    blob = json.dumps(spec, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def cached_directory(kind: str, spec: dict[str, Any], build: Callable[[Path], None]) -> Path:
    """Return the cached directory for ``spec``, building it with ``build(tmp_dir)`` if absent.

    ``build`` writes into a fresh temporary directory that is renamed into place only when it
    returns, so readers see either nothing or a complete entry.
    """
    target = cache_root() / kind / cache_key(spec)
    if (target / "spec.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(tmp)
        (tmp / "spec.json").write_text(json.dumps(spec, sort_keys=True, indent=1, default=str))
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished the same entry first: keep theirs
            if not (target / "spec.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
