"""The built-in architecture scaled up, for benchmarks where a step should be compute-bound.

Shared by ``trl_compare.py`` and ``dpo_step.py`` so that their "20m" is the same model.
"""

from __future__ import annotations

from typing import Any

#: name -> width and depth; heads of 64 dimensions, the built-in vocabulary
SIZES = {
    "20m": {"hidden_size": 512, "num_hidden_layers": 6, "intermediate_size": 1536},
    "1b": {"hidden_size": 2048, "num_hidden_layers": 22, "intermediate_size": 5632},
}


def scale_config(config: Any, name: str) -> Any:
    """``config`` (a transformers config of the built-in model) updated in place to ``name``."""
    size = SIZES[name]
    heads = size["hidden_size"] // 64
    config.update(size | {"num_attention_heads": heads, "num_key_value_heads": heads})
    return config
