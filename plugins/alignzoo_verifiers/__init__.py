"""alignzoo's verifiers plugin: verifiable rewards that check each completion against its
prompt's row (plugin API 1.4's per-example fields).

``reward=math`` (equivalence through math-verify), ``reward=exact_match``, ``reward=numeric``,
``reward=format`` (a required structure), ``reward=overlong`` (DAPO's soft length punishment)
and ``reward=code`` (the completion's program against the row's tests, in the sandbox).
Weigh them together with ``reward=composite``, e.g. correctness plus 0.1 format.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_verifiers.config import (
    CodeConfig,
    ExactMatchConfig,
    FormatConfig,
    MathConfig,
    NumericConfig,
    OverlongConfig,
)

ALIGNZOO_PLUGIN_API = "1.5"

#: (registered name, where its source class lives, config class): import strings, so that
#: registering imports no torch and no math-verify
REWARDS: tuple[tuple[str, str, type], ...] = (
    ("math", "alignzoo_verifiers.answers:MathVerifier", MathConfig),
    ("exact_match", "alignzoo_verifiers.answers:ExactMatchVerifier", ExactMatchConfig),
    ("numeric", "alignzoo_verifiers.answers:NumericVerifier", NumericConfig),
    ("format", "alignzoo_verifiers.form:FormatReward", FormatConfig),
    ("overlong", "alignzoo_verifiers.form:OverlongReward", OverlongConfig),
    ("code", "alignzoo_verifiers.code:CodeVerifier", CodeConfig),
)


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """Every verifier, under its source's ``name``."""
    for name, source, config in REWARDS:
        registry.add_reward(name, source, config)
