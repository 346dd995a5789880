"""alignzoo's rules plugin: rewards computed by rules, no model needed.

``reward=regex|length|keywords|json_format|python``; the rules themselves are pure functions
in :mod:`alignzoo_rules.functions`, usable without the registry. (``reward=lexicon`` is a
preset of the built-in task's own ``gold`` lexicon: a task's pieces are its to register.)
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_rules.config import (
    JsonFormatConfig,
    KeywordsConfig,
    LengthConfig,
    PythonFunctionConfig,
    RegexConfig,
)
from alignzoo_rules.sources import (
    JsonFormatReward,
    KeywordsReward,
    LengthReward,
    PythonFunctionReward,
    RegexReward,
    RuleReward,
)

#: (source class, config class); each source's ``name`` is its registered name
REWARDS: tuple[tuple[type[RuleReward], type], ...] = (
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
