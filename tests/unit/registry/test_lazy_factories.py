"""Factories named by import string: registering imports nothing heavy; building imports it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from alignzoo.algorithms.traits import AlgorithmTraits
from alignzoo.errors import PluginError
from alignzoo.registry import PluginRegistry


@dataclass
class ToyConfig:
    strength: float = 1.0


@pytest.fixture
def toy_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module on sys.path defining ``Toy``, not imported yet."""
    name = f"toy_factory_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent(
            """
            class Toy:
                def __init__(self, config):
                    self.config = config
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_a_factory_named_by_string_is_imported_when_first_built(toy_module: str) -> None:
    registry = PluginRegistry(ConfigStore.instance())
    with registry.registering_for("toy-plugin"):
        registry.add_reward("toy", f"{toy_module}:Toy", ToyConfig)
    component = registry.get("reward", "toy")
    assert toy_module not in sys.modules  # registered, listed, not imported
    built = component.build(OmegaConf.structured(ToyConfig(strength=3.0)))
    assert toy_module in sys.modules
    assert type(built).__name__ == "Toy" and built.config.strength == 3.0
    assert component.factory is sys.modules[toy_module].Toy


def test_a_malformed_import_string_is_refused_at_registration() -> None:
    registry = PluginRegistry(ConfigStore.instance())
    with (
        registry.registering_for("toy-plugin"),
        pytest.raises(PluginError, match=r"plugin 'toy-plugin': reward 'toy' names its factory"),
    ):
        registry.add_reward("toy", "toy_module.Toy", ToyConfig)


def test_a_factory_that_cannot_be_imported_names_the_component_and_plugin(
    toy_module: str,
) -> None:
    registry = PluginRegistry(ConfigStore.instance())
    with registry.registering_for("toy-plugin"):
        registry.add_reward("gone", "no_such_module_anywhere:Toy", ToyConfig)
        registry.add_reward("typo", f"{toy_module}:Tyo", ToyConfig)
    for name, target in (("gone", "no_such_module_anywhere:Toy"), ("typo", f"{toy_module}:Tyo")):
        with pytest.raises(
            PluginError,
            match=rf"reward '{name}' \(plugin 'toy-plugin'\): "
            rf"cannot import '{target}'",
        ):
            _ = registry.get("reward", name).factory


HEAVY = ("torch", "transformers", "peft", "bitsandbytes", "datasets", "accelerate")


def test_registering_every_installed_plugin_imports_no_heavy_library() -> None:
    """What ``alignzoo plugins`` and ``--help`` do: it must answer without torch."""
    script = textwrap.dedent(
        f"""
        import sys
        from alignzoo.config.prepare import prepare
        loaded = prepare()
        assert not loaded.failures, loaded.failures
        print(sorted(loaded.registry.names("algorithm")))
        print([m for m in {HEAVY!r} if m in sys.modules])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    algorithms, heavy = done.stdout.strip().splitlines()[-2:]
    assert "'dpo'" in algorithms and "'ppo'" in algorithms
    assert heavy == "[]", f"registering imported {heavy}"


def _help_in_subprocess(entry: str) -> tuple[str, str]:
    """``alignzoo --help`` through ``entry`` (main, or Hydra's app without our listing);
    its text and the heavy modules it imported."""
    script = textwrap.dedent(
        f"""
        import atexit, sys
        atexit.register(lambda: print("HEAVY", [m for m in {HEAVY!r} if m in sys.modules]))
        sys.argv = ["alignzoo", "--help"]
        from alignzoo import cli
        {entry}
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text, _, heavy = done.stdout.rpartition("HEAVY ")
    return text, heavy.strip()


def test_help_lists_the_same_groups_as_hydra_and_imports_no_heavy_library() -> None:
    ours, heavy = _help_in_subprocess("cli.main()")
    hydras, _ = _help_in_subprocess("cli.prepare(); cli._hydra_main()")
    assert ours == hydras
    assert "algorithm: " in ours and "dpo" in ours and "reward: " in ours
    assert heavy == "[]", f"--help imported {heavy}"


def test_planning_every_algorithm_imports_neither_a_heavy_library_nor_the_algorithm() -> None:
    """``alignzoo-plan`` reads each algorithm's registered traits and the built-in task's
    architecture (plugin API 1.3): no torch, no algorithm module, no data source built."""
    script = textwrap.dedent(
        f"""
        import contextlib, io, sys
        from alignzoo.config.prepare import prepare
        from alignzoo.planning.command import main
        names = sorted(prepare().registry.names("algorithm"))
        for name in names:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                main([f"algorithm={{name}}", "peft=lora"])
            assert "estimated peak" in out.getvalue(), (name, out.getvalue())
        print(names)
        print([m for m in sys.modules if m in {HEAVY!r} or m.endswith((".algorithm", ".task"))])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    algorithms, imported = done.stdout.strip().splitlines()[-2:]
    assert "'grpo'" in algorithms and "'reward_model'" in algorithms
    assert imported == "[]", f"planning imported {imported}"


@pytest.fixture
def traits_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module defining ``Fast`` (derives from the registered traits) and ``Stray`` (does
    not), not imported yet."""
    name = f"toy_algorithm_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent(
            f"""
            from alignzoo.algorithms import Algorithm
            from {__name__} import ToyTraits

            class Fast(ToyTraits, Algorithm):
                def train_step(self, batch, updater):
                    return {{}}

            class Stray(Algorithm):
                consumes = "prompts"

                def train_step(self, batch, updater):
                    return {{}}
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


class ToyTraits(AlgorithmTraits):
    consumes = "prompts"
    model_kind = "reward_model"

    @classmethod
    def needs_reference_for(cls, config: ToyConfig) -> bool:
        return config.strength > 1


def test_registered_traits_are_read_without_importing_the_algorithm(traits_module: str) -> None:
    registry = PluginRegistry(ConfigStore.instance())
    with registry.registering_for("toy-plugin"):
        registry.add_algorithm("fast", f"{traits_module}:Fast", ToyConfig, traits=ToyTraits)
    component = registry.get("algorithm", "fast")
    assert component.traits is ToyTraits and component.traits.model_kind == "reward_model"
    assert component.traits.needs_reference_for(ToyConfig(strength=2.0))
    assert traits_module not in sys.modules
    assert component.factory.model_kind == "reward_model"  # the algorithm inherits them


def test_an_algorithm_that_does_not_derive_from_its_traits_is_refused(traits_module: str) -> None:
    registry = PluginRegistry(ConfigStore.instance())
    with registry.registering_for("toy-plugin"):
        registry.add_algorithm("stray", f"{traits_module}:Stray", ToyConfig, traits=ToyTraits)
    with pytest.raises(
        PluginError,
        match=r"algorithm 'stray' \(plugin 'toy-plugin'\): registered with traits=ToyTraits, "
        r"but 'Stray' does not derive from it",
    ):
        _ = registry.get("algorithm", "stray").factory


def test_traits_that_are_not_algorithm_traits_are_refused_at_registration() -> None:
    registry = PluginRegistry(ConfigStore.instance())
    with (
        registry.registering_for("toy-plugin"),
        pytest.raises(PluginError, match=r"algorithm 'odd' gives traits=.*AlgorithmTraits"),
    ):
        registry.add_algorithm("odd", "toy:Odd", ToyConfig, traits=ToyConfig)  # type: ignore[arg-type]
