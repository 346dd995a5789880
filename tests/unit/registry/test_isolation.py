"""A broken third-party plugin is reported by name and the others keep working.

Each test installs fake distributions (a ``.dist-info`` with entry points, and a module) on
``sys.path``, as pip would, then loads plugins the way the ``alignzoo`` command does.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from alignzoo.errors import PluginError
from alignzoo.registry import describe_plugins, load_plugins

Install = Callable[..., None]


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Install:
    """``install(distribution, module, source)``: a fake pip-installed plugin package."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def add(distribution: str, module: str, source: str, version: str = "1.0") -> None:
        (tmp_path / f"{module}.py").write_text(source)
        info = tmp_path / f"{distribution.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n"
        )
        (info / "entry_points.txt").write_text(f"[alignzoo]\n{module} = {module}\n")
        sys.modules.pop(module, None)

    return add


REGISTERS = textwrap.dedent("""
    from dataclasses import dataclass
    from alignzoo.registry import hookimpl

    @dataclass
    class {name}Config:
        strength: float = 1.0

    def build(config):
        return config

    @hookimpl
    def alignzoo_register_rewards(registry):
        registry.add_reward("{reward}", build, {name}Config)
""")


def test_a_plugin_whose_import_raises_is_named_and_skipped(install: Install, capsys) -> None:
    install("alignzoo-broken", "broken", "raise RuntimeError('missing native library')")
    loaded = load_plugins()
    assert "dpo" in loaded.registry.names("algorithm")  # the others still work
    (failure,) = [f for f in loaded.failures if f.plugin == "broken"]
    assert str(failure) == (
        "plugin 'broken' (distribution alignzoo-broken 1.0) was not loaded: importing "
        "'broken' raised RuntimeError: missing native library"
    )
    assert "plugin 'broken'" in capsys.readouterr().err
    assert "not loaded:" in describe_plugins(loaded)


def test_an_incompatible_plugin_api_is_refused_naming_both_versions(install: Install) -> None:
    source = 'ALIGNZOO_PLUGIN_API = "2.0"\n' + REGISTERS.format(name="Future", reward="future")
    install("alignzoo-future", "future", source)
    loaded = load_plugins()
    (failure,) = [f for f in loaded.failures if f.plugin == "future"]
    assert failure.reason == (
        "it declares plugin API 2.0, but this alignzoo provides plugin API 1.5 "
        "(the major versions must match)"
    )
    assert "future" not in loaded.registry.names("reward")


def test_a_plugin_for_a_newer_minor_api_is_refused(install: Install) -> None:
    source = 'ALIGNZOO_PLUGIN_API = "1.6"\n' + REGISTERS.format(name="Newer", reward="newer")
    install("alignzoo-newer", "newer", source)
    loaded = load_plugins()
    (failure,) = [f for f in loaded.failures if f.plugin == "newer"]
    assert failure.reason == (
        "it declares plugin API 1.6, newer than the plugin API 1.5 this alignzoo provides: "
        "upgrade alignzoo"
    )


@pytest.mark.parametrize("declared", ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1"])
def test_a_plugin_for_this_or_an_older_minor_api_loads_and_is_listed(
    install: Install, declared: str
) -> None:
    source = f'ALIGNZOO_PLUGIN_API = "{declared}"\n' + REGISTERS.format(name="Fine", reward="fine")
    install("alignzoo-fine", "fine", source, version="0.4.2")
    loaded = load_plugins()
    assert loaded.registry.get("reward", "fine").plugin == "fine"
    assert "fine  (alignzoo-fine 0.4.2)\n    reward: fine" in describe_plugins(loaded)


def test_a_registration_hook_that_raises_is_withdrawn(install: Install) -> None:
    raises = (
        'def alignzoo_register_algorithms(registry):\n    raise ValueError("bad algorithm table")\n'
    )
    source = REGISTERS.format(name="Half", reward="half") + "\n@hookimpl\n" + raises
    install("alignzoo-half", "half", source)
    loaded = load_plugins()
    (failure,) = [f for f in loaded.failures if f.plugin == "half"]
    assert "registering raised: ValueError('bad algorithm table')" in failure.reason
    assert "half" not in loaded.registry.names("reward")  # its reward was withdrawn too
    assert not loaded.manager.has_plugin("half")
    assert "dpo" in loaded.registry.names("algorithm")


def test_a_clash_names_both_distributions_until_one_is_picked(
    install: Install, monkeypatch: pytest.MonkeyPatch
) -> None:
    install("alignzoo-rival", "rival", REGISTERS.format(name="Rival", reward="gold"))
    loaded = load_plugins()
    with pytest.raises(PluginError) as clash:
        loaded.registry.get("reward", "gold")
    message = str(clash.value)
    assert "'sentiment' (alignzoo 0.1.0)" in message and "'rival' (alignzoo-rival 1.0)" in message
    assert "ALIGNZOO_PLUGINS=" in message
    assert "regex" in loaded.registry.names("reward")  # the rest keeps working
    monkeypatch.setenv("ALIGNZOO_PLUGINS", "rival,dpo")
    picked = load_plugins()
    assert picked.registry.get("reward", "gold").plugin == "rival"
    assert picked.registry.names("algorithm") == ["dpo"]


def test_hook_calls_can_be_traced(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("ALIGNZOO_PLUGINS", "dpo")
    monkeypatch.setenv("ALIGNZOO_TRACE_HOOKS", "1")
    load_plugins()
    assert "alignzoo_register_algorithms" in capsys.readouterr().err
