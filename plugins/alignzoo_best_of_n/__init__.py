"""alignzoo's best-of-n plugin: ``algorithm=best_of_n``, the reference's best of n samples
under the training reward, evaluated with nothing trained (the baseline every RL method's
gold-for-KL must beat; its KL is known in closed form), on the core's rollout engine.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_best_of_n.config import BestOfNConfig, BestOfNTraits

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=best_of_n``."""
    registry.add_algorithm(
        "best_of_n",
        "alignzoo_best_of_n.algorithm:BestOfNAlgorithm",
        BestOfNConfig,
        traits=BestOfNTraits,
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: the frontier's best-of-n points (``conf/frontier/``)."""
    return ["pkg://alignzoo_best_of_n.conf"]
