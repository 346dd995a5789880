"""Plugins' config directories: resolved for Hydra, listed as presets, bad ones named."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignzoo.errors import PluginError
from alignzoo.registry import create_plugin_manager, describe_plugins, hookimpl, load_plugins
from alignzoo.registry.config_dirs import list_presets, search_path_entry


def _conf(root: Path) -> Path:
    (root / "algorithm").mkdir(parents=True)
    (root / "algorithm" / "strong.yaml").write_text("defaults:\n  - dpo\n  - _self_\nbeta: 1.0\n")
    (root / "reward").mkdir()
    (root / "reward" / "mine.yaml").write_text("{}\n")
    return root


def test_a_conf_folder_without_init_is_handed_to_hydra_as_a_file_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "alignzoo_shipper"
    package.mkdir()
    (package / "__init__.py").write_text("")
    _conf(package / "conf")  # no __init__.py: a namespace package
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = search_path_entry("pkg://alignzoo_shipper.conf")
    assert entry == f"file://{(package / 'conf').resolve()}"
    assert list_presets(entry) == [("algorithm", "strong"), ("reward", "mine")]
    (package / "regular").mkdir()
    (package / "regular" / "__init__.py").write_text("")
    assert search_path_entry("pkg://alignzoo_shipper.regular") == "pkg://alignzoo_shipper.regular"


def test_a_missing_directory_is_refused_saying_what_was_expected(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match=r"'pkg://no_such_pkg.conf': .*expected pkg://"):
        search_path_entry("pkg://no_such_pkg.conf")
    with pytest.raises(PluginError, match="is not a directory"):
        search_path_entry(str(tmp_path / "absent"))


def test_a_plugins_bad_directory_is_named_and_its_good_one_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _conf(tmp_path / "conf")

    class Shipper:
        @hookimpl
        def alignzoo_config_dirs(self) -> list[str]:
            return [str(good), "pkg://no_such_pkg.conf"]

    manager = create_plugin_manager(load_entrypoints=False)
    manager.register(Shipper(), name="shipper")
    loaded = load_plugins(manager)
    assert loaded.config_dirs == {"shipper": [f"file://{good.resolve()}"]}
    assert "alignzoo: plugin 'shipper': config directory 'pkg://no_such_pkg.conf'" in (
        capsys.readouterr().err
    )
    assert "shipper  (registered in-process)\n    presets: algorithm=strong, reward=mine" in (
        describe_plugins(loaded)
    )
