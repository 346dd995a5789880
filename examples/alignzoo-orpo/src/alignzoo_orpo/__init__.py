"""alignzoo-orpo: ORPO and a distinct-words reward, registered through alignzoo's hooks."""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_orpo.config import ORPOConfig
from alignzoo_orpo.reward import distinct_words

#: the alignzoo plugin API this package is written for
ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=orpo``: named by import string, so torch loads only when a run builds it."""
    registry.add_algorithm("orpo", "alignzoo_orpo.algorithm:ORPOAlgorithm", ORPOConfig)


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """``reward=distinct_words``; its keyword parameter is the option ``reward.min_words``."""
    registry.add_reward_function("distinct_words", distinct_words)


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Presets that join alignzoo's config groups: ``algorithm=orpo_strong``."""
    return ["pkg://alignzoo_orpo.conf"]
