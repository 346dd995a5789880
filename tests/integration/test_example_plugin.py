"""The example third-party package installs with pip and works like a first-party plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "alignzoo-orpo"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a process that sees alignzoo-orpo, pip-installed into a folder."""
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run(
        [
            *[sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"],
            *["--no-index", "--target", str(target), str(EXAMPLE)],
        ],
        check=True,
        timeout=300,
    )
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


def _run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_it_is_listed_with_its_version(installed: dict[str, str], tmp_path: Path) -> None:
    result = _run(installed, tmp_path, "-m", "alignzoo", "plugins")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (
        "orpo  (alignzoo-orpo 0.1.0)\n    algorithm: orpo\n    reward: distinct_words\n"
        "    presets: algorithm=orpo_strong"
    ) in result.stdout
    assert "Warning" not in result.stderr  # its conf/ without __init__.py reads cleanly


@pytest.mark.parametrize(
    "arguments",
    [
        ["--cfg", "job", "algorithm=orpo_strong"],
        ["algorithm=orpo_strong", "--cfg", "job"],
        ["--cfg", "job", "algorithm=orpo_strong", "hydra.searchpath=[pkg://alignzoo.conf]"],
    ],
    ids=["flag-first", "flag-last", "own-searchpath"],
)
def test_hydra_flags_and_a_users_searchpath_compose_its_preset(
    installed: dict[str, str], tmp_path: Path, arguments: list[str]
) -> None:
    result = _run(installed, tmp_path, "-m", "alignzoo", *arguments)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "algorithm:\n  lam: 1.0\n" in result.stdout
    assert "Warning" not in result.stderr


def test_its_algorithm_and_its_preset_run_on_the_builtin_task(
    installed: dict[str, str], tmp_path: Path, tiny_task: list[str]
) -> None:
    run_dir = tmp_path / "run"
    result = _run(
        installed,
        tmp_path,
        *["-m", "alignzoo", "algorithm=orpo_strong", *tiny_task],
        *["train.steps=3", f"hydra.run.dir={run_dir}"],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "orpo on sentiment - 3 steps" in result.stdout
    assert "lam: 1.0" in (run_dir / ".hydra" / "config.yaml").read_text()  # the preset


def test_its_own_tests_pass(installed: dict[str, str], tmp_path: Path) -> None:
    result = _run(
        installed, tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_memory_planner_composes_its_preset(installed: dict[str, str], tmp_path: Path) -> None:
    plan = "from alignzoo.planning.command import main; main()"
    result = _run(installed, tmp_path, "-c", plan, "algorithm=orpo_strong")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "algorithm=orpo on data=sentiment's base model" in result.stdout
