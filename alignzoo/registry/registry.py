"""The registry handed to registration hooks: names -> component factories and typed configs."""

from __future__ import annotations

import dataclasses
import functools
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from alignzoo.algorithms.traits import AlgorithmTraits
from alignzoo.errors import ConfigError, PluginError

if TYPE_CHECKING:  # the interfaces import torch: registering must stay cheap
    from alignzoo.algorithms import Algorithm
    from alignzoo.data.source import DataSource
    from alignzoo.rewards.source import RewardSource

Kind = Literal["algorithm", "reward", "data"]
KINDS: tuple[Kind, ...] = ("algorithm", "reward", "data")


#: what a component's factory is, by kind: an Algorithm subclass, or a callable of a config
F = TypeVar("F")


@dataclass(frozen=True)
class Component(Generic[F]):
    """One registered algorithm, reward source or data source."""

    kind: Kind
    name: str
    #: the factory, or where to import it from (``"package.module:Name"``): imported the
    #: first time ``factory`` is read, so that registering costs no torch import
    target: F | str
    config_class: type
    plugin: str
    #: config field -> (kind, name) of another plugin's component this one is built on
    requires: Mapping[str, tuple[Kind, str]] = field(default_factory=dict)
    #: an algorithm's class-level facts from a torch-free module (plugin API 1.3), read without
    #: importing the algorithm; the algorithm class derives from it
    declared_traits: type[AlgorithmTraits] | None = None
    #: a data source's ``config -> config.json content`` of its own base model, known without
    #: building the source (plugin API 1.3)
    base_model_config: Callable[[Any], Mapping[str, Any] | None] | None = None

    @functools.cached_property
    def factory(self) -> F:
        """The algorithm class or factory function, imported now if registered by name."""
        what = f"{self.kind} {self.name!r} (plugin {self.plugin!r})"
        factory = self.target
        if isinstance(factory, str):
            factory = import_target(factory, what)
        traits = self.declared_traits
        if traits is not None and not (isinstance(factory, type) and issubclass(factory, traits)):
            raise PluginError(
                f"{what}: registered with traits={traits.__name__}, but "
                f"{getattr(factory, '__name__', factory)!r} does not derive from it (declare "
                f"the algorithm as class ...({traits.__name__}, Algorithm[...]))"
            )
        return factory

    @property
    def traits(self) -> type[AlgorithmTraits]:
        """An algorithm's class-level facts (``model_kind``, ``needs_reference_for``,
        ``memory_traits``): the registered traits class, or else the algorithm class itself
        (imported now)."""
        return self.declared_traits or self.factory  # type: ignore[return-value]

    def build(self, config: DictConfig, *args: Any) -> Any:
        """Instantiate with the composed config turned back into the plugin's dataclass."""
        factory: Callable[..., Any] = self.factory  # type: ignore[assignment]
        return factory(OmegaConf.to_object(config), *args)


#: the components of each kind, as the type checker sees them
AlgorithmComponent = Component["type[Algorithm]"]
RewardComponent = Component["Callable[[Any], RewardSource]"]
DataComponent = Component["Callable[[Any], DataSource]"]


class PluginRegistry:
    """Collects what plugins register; each add also stores the config in Hydra's ConfigStore.

    The ConfigStore group is the kind (``algorithm``, ``reward``, ``data``) and the entry name
    is the component name, so ``algorithm=dpo algorithm.beta=0.5`` composes against the
    plugin's dataclass and a misspelt field fails naming the key.
    """

    def __init__(self, config_store: ConfigStore | None = None) -> None:
        self._store = config_store or ConfigStore.instance()
        self._components: dict[Kind, dict[str, Component[Any]]] = {kind: {} for kind in KINDS}
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

    def add_algorithm(
        self,
        name: str,
        algorithm: type[Algorithm] | str,
        config: type,
        requires: Mapping[str, tuple[Kind, str]] | None = None,
        traits: type[AlgorithmTraits] | None = None,
    ) -> None:
        """Register an :class:`~alignzoo.algorithms.Algorithm` subclass and its config dataclass.

        ``algorithm`` may be the class or where it lives, ``"my_plugin.algorithm:MyAlgorithm"``
        (plugin API 1.2): then it is imported only when a run builds it, and listing plugins,
        ``--help`` and composing a config never import torch. The config dataclass is always
        given itself (Hydra checks overrides against it), from a module that imports no torch.

        ``requires`` declares components of other plugins this one is built on, by the config
        field that configures each: ``{"dpo": ("algorithm", "dpo")}``. Once every plugin has
        registered, that field is typed by the other component's config dataclass (so
        ``algorithm.dpo.beta=0.5`` is checked at compose time), and a missing one leaves this
        component out with a message naming both. Build the other component with
        :meth:`component_for` on the field's value.

        ``traits`` (plugin API 1.3) is an :class:`~alignzoo.algorithms.AlgorithmTraits`
        subclass from a torch-free module holding the algorithm's class-level facts
        (``consumes``, ``needs_reference_for``, ``memory_traits``...); the algorithm class
        derives from it. Then ``alignzoo-plan`` reads them without importing the algorithm
        (or torch). Without it, they are read from the algorithm class.
        """
        self._add("algorithm", name, algorithm, config, dict(requires or {}), traits=traits)

    def add_reward(
        self, name: str, factory: Callable[[Any], RewardSource] | str, config: type
    ) -> None:
        """Register a reward-source factory ``factory(config) -> RewardSource`` (or its import
        string, ``"module:name"``, as for :meth:`add_algorithm`)."""
        self._add("reward", name, factory, config)

    def add_reward_function(
        self, name: str, function: Callable[..., float], config: type | None = None
    ) -> None:
        """Register a plain function ``function(prompt, completion, **options) -> float``.

        ``config`` is a dataclass whose fields are passed as the keyword options; None makes
        one from the function's keyword parameters (each needs an annotation and a default).
        ``reward=<name> reward.<option>=...`` then works; scores are batched for you.
        """
        from alignzoo.rewards.function_config import function_config

        typed = function_config(name, function, config)
        self._add("reward", name, functools.partial(_function_reward, name, function), typed)

    def add_dataset(
        self,
        name: str,
        factory: Callable[[Any], DataSource] | str,
        config: type,
        base_model_config: Callable[[Any], Mapping[str, Any] | None] | None = None,
    ) -> None:
        """Register a data-source factory ``factory(config) -> DataSource`` (or its import
        string, ``"module:name"``, as for :meth:`add_algorithm`).

        ``base_model_config`` (plugin API 1.3), for a source with a base model of its own:
        a torch-free ``function(config)`` returning that model's config.json content, so
        that ``alignzoo-plan`` sizes it without building the source. Without it, the planner
        builds the source and asks its ``base_model_config()``.
        """
        self._add("data", name, factory, config, base_model_config=base_model_config)

    def _add(
        self,
        kind: Kind,
        name: str,
        factory: Any,
        config: type,
        requires: dict[str, tuple[Kind, str]] | None = None,
        traits: type[AlgorithmTraits] | None = None,
        base_model_config: Callable[[Any], Mapping[str, Any] | None] | None = None,
    ) -> None:
        if not (isinstance(config, type) and dataclasses.is_dataclass(config)):
            raise PluginError(
                f"plugin {self._plugin!r}: the config of {kind} {name!r} must be a dataclass "
                f"type, got {config!r}"
            )
        if isinstance(factory, str) and not IMPORT_TARGET.fullmatch(factory):
            raise PluginError(
                f"plugin {self._plugin!r}: {kind} {name!r} names its factory {factory!r}; "
                "expected 'package.module:Name'"
            )
        if traits is not None and not (
            isinstance(traits, type) and issubclass(traits, AlgorithmTraits)
        ):
            raise PluginError(
                f"plugin {self._plugin!r}: algorithm {name!r} gives traits={traits!r}; expected "
                "an AlgorithmTraits subclass (from alignzoo.algorithms.traits)"
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
        component = Component(
            kind, name, factory, config, self._plugin, requires or {}, traits, base_model_config
        )
        self._components[kind][name] = component
        if not component.requires:  # else stored once what it requires is known
            self._store.store(group=kind, name=name, node=config, provider=self._plugin)

    def resolve_requirements(self) -> list[str]:
        """Type every ``requires`` field by the required component's config, once all plugins
        have registered; withdraw a component whose requirement is missing, saying why."""
        problems = []
        for kind in KINDS:
            for component in [c for c in self._components[kind].values() if c.requires]:
                fields = []
                for field_name, (other_kind, other_name) in component.requires.items():
                    other = self._components[other_kind].get(other_name)
                    if other is None:
                        problems.append(
                            f"{kind} {component.name!r} (plugin {component.plugin!r}) was left "
                            f"out: it is built on {other_kind} {other_name!r}, which no loaded "
                            "plugin registers"
                        )
                        del self._components[kind][component.name]
                        break
                    fields.append((field_name, other.config_class))
                else:
                    typed = _typed_config(component.config_class, tuple(fields))
                    resolved = dataclasses.replace(component, config_class=typed)
                    self._components[kind][component.name] = resolved
                    self._store.store(
                        group=kind, name=component.name, node=typed, provider=component.plugin
                    )
        return problems

    @overload
    def component_for(self, kind: Literal["algorithm"], config: Any) -> AlgorithmComponent: ...
    @overload
    def component_for(self, kind: Literal["reward"], config: Any) -> RewardComponent: ...
    @overload
    def component_for(self, kind: Literal["data"], config: Any) -> DataComponent: ...

    def component_for(self, kind: Kind, config: Any) -> Component[Any]:
        """The component whose config dataclass ``config`` (an instance) is."""
        return self._by_config_class(kind, type(config))

    def required_algorithm(self, config: Any, default: str) -> tuple[AlgorithmComponent, Any]:
        """An algorithm another builds on, and its config: the one ``config`` (a field typed
        through ``requires``) belongs to, or ``default`` with its default config when None."""
        if config is None:
            component = self.get("algorithm", default)
            return component, component.config_class()
        return self.component_for("algorithm", config), config

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

    @overload
    def components(self, kind: Literal["algorithm"]) -> list[AlgorithmComponent]: ...
    @overload
    def components(self, kind: Literal["reward"]) -> list[RewardComponent]: ...
    @overload
    def components(self, kind: Literal["data"]) -> list[DataComponent]: ...

    def components(self, kind: Kind) -> list[Component[Any]]:
        """Registered components of one kind, sorted by name."""
        return [self._components[kind][n] for n in self.names(kind)]

    @overload
    def get(self, kind: Literal["algorithm"], name: str) -> AlgorithmComponent: ...
    @overload
    def get(self, kind: Literal["reward"], name: str) -> RewardComponent: ...
    @overload
    def get(self, kind: Literal["data"], name: str) -> DataComponent: ...

    def get(self, kind: Kind, name: str) -> Component[Any]:
        """Look a component up by name; an unknown name lists the known ones."""
        if (kind, name) in self._clashes:
            raise PluginError(self._clash_message(kind, name))
        try:
            return self._components[kind][name]
        except KeyError:
            known = ", ".join(self.names(kind)) or "none"
            raise ConfigError(f"no {kind} named {name!r} is installed (known: {known})") from None

    @overload
    def for_config(self, kind: Literal["algorithm"], config: DictConfig) -> AlgorithmComponent: ...
    @overload
    def for_config(self, kind: Literal["reward"], config: DictConfig) -> RewardComponent: ...
    @overload
    def for_config(self, kind: Literal["data"], config: DictConfig) -> DataComponent: ...

    def for_config(self, kind: Kind, config: DictConfig) -> Component[Any]:
        """The component whose config dataclass produced the composed node ``config``."""
        return self._by_config_class(kind, OmegaConf.get_type(config))

    def _by_config_class(self, kind: Kind, config_class: Any) -> Component[Any]:
        for component in self._components[kind].values():
            if component.config_class is config_class:
                return component
        if clash := self._clashing_configs.get(config_class):
            raise PluginError(self._clash_message(*clash))
        raise ConfigError(
            f"the {kind} config has type {getattr(config_class, '__name__', config_class)}, "
            f"which no installed plugin registered; pick one with {kind}=<name> "
            f"(known: {', '.join(self.names(kind)) or 'none'})"
        )


#: ``package.module:Name`` (or ``:Name.attribute``), as entry points name objects
IMPORT_TARGET = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


def import_target(target: str, what: str) -> Any:
    """The object ``"package.module:Name"`` names; a failure names ``what`` wanted it."""
    try:
        return pkgutil.resolve_name(target)
    except (ImportError, AttributeError, ValueError) as error:
        raise PluginError(f"{what}: cannot import {target!r}: {error}") from error


def _function_reward(name: str, function: Callable[..., float], config: Any) -> RewardSource:
    """A plain reward function as a reward source (imports torch: only when built)."""
    from alignzoo.rewards.function import FunctionReward

    return FunctionReward(name, function, config)


@functools.cache
def _typed_config(base: type, fields: tuple[tuple[str, type], ...]) -> type:
    """``base`` with each field typed by another component's config dataclass (one class per
    combination, so every registry and Hydra's ConfigStore agree on it)."""
    typed = dataclasses.make_dataclass(
        base.__name__,
        [(name, config, dataclasses.field(default_factory=config)) for name, config in fields],
        bases=(base,),
        namespace={"__doc__": base.__doc__},
    )
    typed.__module__ = base.__module__
    return typed
