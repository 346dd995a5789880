"""Every hook a plugin can implement, in one place (pytest/tox style).

A plugin is a module (or object) with functions marked ``@hookimpl`` and named exactly like
the specifications below; it enters through the ``alignzoo`` entry-point group. Registration
hooks receive a :class:`~alignzoo.registry.registry.PluginRegistry`, which records what each
plugin adds and stores its typed config in Hydra's ConfigStore. Observer hooks see the run;
no hook reaches inside loss math.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from alignzoo.registry.registry import PluginRegistry

PROJECT = "alignzoo"
#: the version of this plugin API (these hooks, the registry calls, the interfaces plugins
#: implement). A plugin may declare the version it was written for as a module attribute,
#: ``ALIGNZOO_PLUGIN_API = "1.1"``; one with another major version, or a newer minor one
#: (it may use what this alignzoo lacks), is refused at load. Minor versions only add:
#: 1.1 added ``Updater.update`` (the one accumulation loop), runner-counted tokens,
#: ``Algorithm.needs_reference``, ``AlgorithmContext.bare_policy``,
#: ``registry.add_reward_function`` and the ``Evaluator`` protocol; 1.2 lets a factory be
#: named by import string (``"my_plugin.algorithm:MyAlgorithm"``), imported when a run builds
#: it, so that registering imports no torch; 1.3 adds ``add_algorithm(traits=...)`` (an
#: algorithm's class-level facts from a torch-free module) and
#: ``add_dataset(base_model_config=...)``, so that ``alignzoo-plan`` imports no torch either.
#: 1.4 adds one way to the registry: ``AlgorithmContext.registry`` (and its
#: ``required_algorithm``), and a ``memory_traits`` that names a ``registry`` keyword receives
#: it; per-example fields: ``PromptRecord.fields`` (a row's other columns) reach every
#: sample's reward, a ``RewardSource.score`` that declares ``fields`` receives them (callers
#: use ``score_examples``), a reward function's parameters without defaults (or ``**kwargs``)
#: are filled from them, and ``collect_rollout`` takes records. 1.5 adds the sampling engine,
#: ``AlgorithmContext.sampler`` (``rollout.engine=hf|vllm``: sample through it), a rollout's
#: ``engine_logprobs`` and ``importance_weights``, and ``Judge.reference_field`` (a judge rating
#: against each row's reference answer). 1.0 to 1.4 plugins still work.
PLUGIN_API_VERSION = "1.5"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """Add algorithms with ``registry.add_algorithm(name, AlgorithmClass, ConfigDataclass)``.

    Called once per process when plugins load, before Hydra composes the config, so that
    ``algorithm=<name>`` resolves. All implementations are called; return values are ignored.
    """


@hookspec
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """Add reward sources with ``registry.add_reward(name, factory, ConfigDataclass)``.

    ``factory(config)`` returns a :class:`~alignzoo.rewards.RewardSource`. Called like
    ``alignzoo_register_algorithms``.
    """


@hookspec
def alignzoo_register_datasets(registry: PluginRegistry) -> None:
    """Add data sources with ``registry.add_dataset(name, factory, ConfigDataclass)``.

    ``factory(config)`` returns a :class:`~alignzoo.data.source.DataSource`. Called like
    ``alignzoo_register_algorithms``.
    """


@hookspec
def alignzoo_config_dirs() -> list[str]:  # type: ignore[empty-body]
    """Return config directories (``pkg://package.conf`` or a path) whose group folders join
    alignzoo's: ``<dir>/algorithm/strong.yaml`` becomes ``algorithm=strong``.

    Called once per process before Hydra composes; every implementation's lists are joined.
    """


@hookspec
def alignzoo_on_step_end(step: int, metrics: dict[str, float]) -> None:
    """Observe the metrics of training step ``step`` (1-based), after the update.

    Called by the runner on every step on the main process; return values are ignored.
    """


@hookspec
def alignzoo_on_run_end(run_dir: str, summary: dict[str, Any]) -> None:
    """Observe a finished run: its output directory and the summary written to summary.json.

    Called once per run, after the policy is saved; return values are ignored.
    """
