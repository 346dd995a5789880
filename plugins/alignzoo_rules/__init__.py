"""alignzoo's rules plugin: rewards computed by rules, no model needed.

``reward=lexicon|regex|length|keywords|json_format|python``; the rules themselves are pure
functions in :mod:`alignzoo_rules.functions`, usable without the registry.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_rules.config import (
    JsonFormatConfig,
    KeywordsConfig,
    LengthConfig,
    LexiconConfig,
    PythonFunctionConfig,
    RegexConfig,
)
from alignzoo_rules.sources import (
    JsonFormatReward,
    KeywordsReward,
    LengthReward,
    LexiconReward,
    PythonFunctionReward,
    RegexReward,
)

#: (source class, config class); each source's ``name`` is its registered name
REWARDS: tuple[tuple[type, type], ...] = (
    (LexiconReward, LexiconConfig),
    (RegexReward, RegexConfig),
    (LengthReward, LengthConfig),
    (KeywordsReward, KeywordsConfig),
    (JsonFormatReward, JsonFormatConfig),
    (PythonFunctionReward, PythonFunctionConfig),
)


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """Every rules-based reward, under its source's ``name``."""
    for source, config in REWARDS:
        registry.add_reward(source.name, source, config)
