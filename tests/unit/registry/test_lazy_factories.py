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
        from alignzoo.cli import prepare
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
