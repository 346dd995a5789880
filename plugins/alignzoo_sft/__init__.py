"""alignzoo's SFT plugin: supervised fine-tuning on the chosen completions, completion-only.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_sft.config import SFTConfig, SFTTraits

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=sft``."""
    registry.add_algorithm(
        "sft", "alignzoo_sft.algorithm:SFTAlgorithm", SFTConfig, traits=SFTTraits
    )
