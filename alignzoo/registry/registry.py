"""The registry handed to registration hooks: names -> component factories and typed configs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from alignzoo.errors import ConfigError, PluginError

Kind = Literal["algorithm", "reward", "data"]
KINDS: tuple[Kind, ...] = ("algorithm", "reward", "data")


@dataclass(frozen=True)
class Component:
    """One registered algorithm, reward source or data source."""

    kind: Kind
    name: str
    factory: Callable[..., Any]
    config_class: type
    plugin: str

    def build(self, config: DictConfig, *args: Any) -> Any:
        """Instantiate with the composed config turned back into the plugin's dataclass."""
        return self.factory(OmegaConf.to_object(config), *args)


class PluginRegistry:
    """Collects what plugins register; each add also stores the config in Hydra's ConfigStore.

    The ConfigStore group is the kind (``algorithm``, ``reward``, ``data``) and the entry name
    is the component name, so ``algorithm=dpo algorithm.beta=0.5`` composes against the
    plugin's dataclass and a misspelt field fails naming the key.
    """

    def __init__(self, config_store: ConfigStore | None = None) -> None:
        self._store = config_store or ConfigStore.instance()
        self._components: dict[Kind, dict[str, Component]] = {kind: {} for kind in KINDS}
        self._plugin = "<unknown>"
        #: (kind, name) -> every plugin that registered it, when more than one did
        self._clashes: dict[tuple[Kind, str], list[str]] = {}
        self._clashing_configs: dict[type, tuple[Kind, str]] = {}
        #: plugin -> "distribution version", to name distributions in messages
        self.origins: dict[str, str] = {}

    @contextmanager
    def registering_for(self, plugin: str) -> Iterator[PluginRegistry]:
        """Attribute everything added inside the block to ``plugin``."""
        previous, self._plugin = self._plugin, plugin
        try:
            yield self
        finally:
            self._plugin = previous

    def add_algorithm(self, name: str, algorithm: Callable[..., Any], config: type) -> None:
        """Register an :class:`~alignzoo.algorithms.Algorithm` subclass and its config dataclass."""
        self._add("algorithm", name, algorithm, config)

    def add_reward(self, name: str, factory: Callable[..., Any], config: type) -> None:
        """Register a reward-source factory ``factory(config) -> RewardSource``."""
        self._add("reward", name, factory, config)

    def add_dataset(self, name: str, factory: Callable[..., Any], config: type) -> None:
        """Register a data-source factory ``factory(config) -> DataSource``."""
        self._add("data", name, factory, config)

    def _add(self, kind: Kind, name: str, factory: Callable[..., Any], config: type) -> None:
        if not (isinstance(config, type) and dataclasses.is_dataclass(config)):
            raise PluginError(
                f"plugin {self._plugin!r}: the config of {kind} {name!r} must be a dataclass "
                f"type, got {config!r}"
            )
        if (kind, name) in self._clashes:  # a third claimant
            self._clashes[kind, name].append(self._plugin)
            self._clashing_configs[config] = (kind, name)
            return
        if existing := self._components[kind].pop(name, None):
            # neither wins silently: the name is unusable until the user loads only one
            self._clashes[kind, name] = [existing.plugin, self._plugin]
            self._clashing_configs[existing.config_class] = (kind, name)
            self._clashing_configs[config] = (kind, name)
            return
        self._components[kind][name] = Component(kind, name, factory, config, self._plugin)
        self._store.store(group=kind, name=name, node=config, provider=self._plugin)

    def clashes(self) -> list[str]:
        """A message for every name that more than one plugin registered."""
        return [self._clash_message(kind, name) for kind, name in self._clashes]

    def _clash_message(self, kind: Kind, name: str) -> str:
        plugins = [
            f"{p!r} ({self.origins[p]})" if p in self.origins else repr(p)
            for p in self._clashes[kind, name]
        ]
        return (
            f"{kind} {name!r} is registered by plugins {' and '.join(plugins)}; load only one "
            "of them with ALIGNZOO_PLUGINS=<comma-separated plugin names>"
        )

    def withdraw(self, plugin: str) -> list[str]:
        """Remove everything ``plugin`` registered (a plugin that failed half way)."""
        removed = []
        for kind, components in self._components.items():
            for name in [n for n, c in components.items() if c.plugin == plugin]:
                del components[name]
                self._store.repo.get(kind, {}).pop(f"{name}.yaml", None)
                removed.append(f"{kind} {name}")
        return removed

    def names(self, kind: Kind) -> list[str]:
        """Registered names of one kind, sorted."""
        return sorted(self._components[kind])

    def components(self, kind: Kind) -> list[Component]:
        """Registered components of one kind, sorted by name."""
        return [self._components[kind][n] for n in self.names(kind)]

    def get(self, kind: Kind, name: str) -> Component:
        """Look a component up by name; an unknown name lists the known ones."""
        if (kind, name) in self._clashes:
            raise PluginError(self._clash_message(kind, name))
        try:
            return self._components[kind][name]
        except KeyError:
            known = ", ".join(self.names(kind)) or "none"
            raise ConfigError(f"no {kind} named {name!r} is installed (known: {known})") from None

    def for_config(self, kind: Kind, config: DictConfig) -> Component:
        """The component whose config dataclass produced the composed node ``config``."""
        config_class = OmegaConf.get_type(config)
        for component in self._components[kind].values():
            if component.config_class is config_class:
                return component
        if clash := self._clashing_configs.get(config_class):  # type: ignore[arg-type]
            raise PluginError(self._clash_message(*clash))
        raise ConfigError(
            f"the {kind} config has type {getattr(config_class, '__name__', config_class)}, "
            f"which no installed plugin registered; pick one with {kind}=<name> "
            f"(known: {', '.join(self.names(kind)) or 'none'})"
        )
