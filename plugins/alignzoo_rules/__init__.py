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

#: (registered name, where its source class lives, config class): named by import string so
#: that registering imports no torch; each name is its source class's ``name``
REWARDS: tuple[tuple[str, str, type], ...] = (
    ("regex", "alignzoo_rules.sources:RegexReward", RegexConfig),
    ("length", "alignzoo_rules.sources:LengthReward", LengthConfig),
    ("keywords", "alignzoo_rules.sources:KeywordsReward", KeywordsConfig),
    ("json_format", "alignzoo_rules.sources:JsonFormatReward", JsonFormatConfig),
    ("python", "alignzoo_rules.sources:PythonFunctionReward", PythonFunctionConfig),
)


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """Every rules-based reward, under its source's ``name``."""
    for name, source, config in REWARDS:
        registry.add_reward(name, source, config)
