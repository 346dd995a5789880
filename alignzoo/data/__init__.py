"""Load preference pairs and prompts from files or the hub, in any common public shape.

Its names are imported on first use: registering a data source imports no ``datasets``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alignzoo.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from alignzoo.data.loading import load_pairs, load_prompts
    from alignzoo.data.records import PreferencePair, PromptRecord

__all__ = ["PreferencePair", "PromptRecord", "load_pairs", "load_prompts"]
__getattr__ = lazy_exports(
    __name__,
    {
        "PreferencePair": "alignzoo.data.records",
        "PromptRecord": "alignzoo.data.records",
        "load_pairs": "alignzoo.data.loading",
        "load_prompts": "alignzoo.data.loading",
    },
)
