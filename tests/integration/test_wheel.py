"""An installed wheel carries its Hydra configs and plugins, and composes from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("alignzoo-*.whl"))


def test_wheel_contains_configs_plugins_and_entry_points(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for yaml in (ROOT / "alignzoo" / "conf").rglob("*.yaml"):
        assert f"{yaml.relative_to(ROOT).as_posix()}" in names, yaml.name
    assert "alignzoo_dpo/loss.py" in names and "alignzoo/py.typed" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[alignzoo]" in text and "dpo = alignzoo_dpo" in text


def test_unpacked_wheel_composes_its_own_configs(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import alignzoo.conf, hydra\n"
        "from alignzoo.config.prepare import prepare\n"
        "prepare()\n"
        "with hydra.initialize_config_module('alignzoo.conf', version_base='1.3'):\n"
        "    cfg = hydra.compose('config', overrides=['algorithm.beta=0.3'])\n"
        "print(alignzoo.conf.__file__, cfg.algorithm.beta)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    location, beta = result.stdout.split()
    assert Path(location).is_relative_to(site) and float(beta) == 0.3
