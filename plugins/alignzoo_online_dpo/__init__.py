"""alignzoo's online DPO plugin (Guo et al. 2024): DPO on the policy's own samples, labelled
each step by the training reward or an AI judge, on the core's rollout engine.

It builds on the DPO plugin for the step, reached through the registry (declared with
``requires``), never imported. Registered through the ``alignzoo`` entry-point group.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_online_dpo.config import DPO, OnlineDPOConfig, OnlineDPOTraits

ALIGNZOO_PLUGIN_API = "1.5"  # the context's registry


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=online_dpo``."""
    registry.add_algorithm(
        "online_dpo",
        "alignzoo_online_dpo.algorithm:OnlineDPOAlgorithm",
        OnlineDPOConfig,
        requires={"dpo": ("algorithm", DPO)},
        traits=OnlineDPOTraits,
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_online_dpo.conf"]
