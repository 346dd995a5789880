"""The random state a training step draws on, captured and restored for an exact resume.

Everything else a resumed run needs (weights, optimizer, schedule, counters, algorithm and
reward state) is a ``state_dict`` of its own; the random generators are global, so they are
gathered here. Values are tensors and plain Python only, so ``torch.load(weights_only=True)``
reads them back.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def capture_rng() -> dict[str, Any]:
    """Python's, NumPy's, torch's CPU and every CUDA device's generator state."""
    numpy_state = np.random.get_state(legacy=False)
    assert isinstance(numpy_state, dict)
    version, words, gauss = random.getstate()
    return {
        "python": {"version": version, "words": list(words), "gauss": gauss},
        "numpy": {
            "key": torch.from_numpy(numpy_state["state"]["key"].astype(np.int64)),
            "pos": int(numpy_state["state"]["pos"]),
            "has_gauss": int(numpy_state["has_gauss"]),
            "gauss": float(numpy_state["gauss"]),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng(state: dict[str, Any]) -> None:
    """Put every generator back where ``capture_rng`` found it."""
    python = state["python"]
    random.setstate((python["version"], tuple(python["words"]), python["gauss"]))
    numpy = state["numpy"]
    np.random.set_state(
        {
            "bit_generator": "MT19937",
            "state": {"key": numpy["key"].numpy().astype(np.uint32), "pos": numpy["pos"]},
            "has_gauss": numpy["has_gauss"],
            "gauss": numpy["gauss"],
        }
    )
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
