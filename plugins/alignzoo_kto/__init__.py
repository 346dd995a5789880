"""alignzoo's KTO plugin (Ethayarajh et al. 2024): alignment on thumbs-up/down feedback.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_kto.config import KTOConfig, KTOTraits

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=kto``."""
    registry.add_algorithm(
        "kto", "alignzoo_kto.algorithm:KTOAlgorithm", KTOConfig, traits=KTOTraits
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_kto.conf"]
