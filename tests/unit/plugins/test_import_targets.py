"""Every first-party component is registered by import string, and the string names what it
should: a typo would otherwise surface only when a run builds the component. The one kind of
exception: a builder bound to the registry that registered it (``partial(builder, registry)``,
as ``reward=judge`` finds its default model), which imports its module when called."""

from __future__ import annotations

from functools import partial

from alignzoo.registry import installed_plugins
from alignzoo.registry.registry import KINDS

FIRST_PARTY = {
    "best_of_n",
    "dpo",
    "grpo",
    "kto",
    "online_dpo",
    "ppo",
    "reinforce_pp",
    "reward_model",
    "rlaif",
    "rloo",
    "rejection_sampling",
    "rules",
    "sft",
    "simpo",
}


def test_first_party_import_strings_resolve_to_what_they_name() -> None:
    registry = installed_plugins().registry
    components = [
        registry.get(kind, name)
        for kind in KINDS
        for name in registry.names(kind)
        if registry.get(kind, name).plugin in FIRST_PARTY
    ]
    assert {c.plugin for c in components} == FIRST_PARTY
    for component in components:
        where = f"{component.kind} {component.name!r} (plugin {component.plugin})"
        if isinstance(component.target, partial):  # bound to the registry, imports when called
            assert component.target.args == (registry,), where
            assert component.target.func.__module__ == f"alignzoo_{component.plugin}", where
            continue
        assert isinstance(component.target, str), f"{where} is registered eagerly"
        module, _, attribute = component.target.partition(":")
        factory = component.factory
        assert callable(factory), where
        assert (factory.__module__, factory.__qualname__) == (module, attribute), where
