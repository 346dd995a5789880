"""An algorithm's training budget ships with its plugin, per adapter, and applies to that
plugin's algorithm only: a third party's algorithm of the same name gets its own budget, or
the shared one, never another plugin's."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import yaml

RIVAL = textwrap.dedent('''
    """A third party's algorithm named like a first-party one."""
    from dataclasses import dataclass
    from alignzoo.registry import hookimpl

    @dataclass
    class RivalConfig:
        strength: float = 1.0

    @hookimpl
    def alignzoo_register_algorithms(registry):
        registry.add_algorithm("simpo", "rival_simpo.algorithm:RivalAlgorithm", RivalConfig)
''')
HOOK = textwrap.dedent("""
    @hookimpl
    def alignzoo_config_dirs():
        return ["pkg://rival_simpo.conf"]
""")


def rival_distribution(root: Path, budget: str | None) -> None:
    """A pip-installed-like package ``rival_simpo`` with an entry point; with ``budget``, it
    ships ``conf/budget/simpo/none.yaml`` holding that learning rate."""
    package = root / "rival_simpo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(RIVAL + (HOOK if budget else ""))
    if budget:
        folder = package / "conf" / "budget" / "simpo"
        folder.mkdir(parents=True)
        (folder / "none.yaml").write_text(f"# @package train\nlearning_rate: {budget}\n")
    info = root / "alignzoo_rival_simpo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: alignzoo-rival-simpo\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text("[alignzoo]\nrival_simpo = rival_simpo\n")


def train_config(*overrides: str, plugins: list[str], path: Path | None = None) -> dict:
    """``alignzoo --cfg job``'s ``train`` group with only ``plugins`` loaded."""
    env = os.environ | {"ALIGNZOO_PLUGINS": ",".join(plugins)}
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "alignzoo", *overrides, "--cfg", "job"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return yaml.safe_load(result.stdout)["train"]


#: every installed plugin but the first-party SimPO
OTHERS = sorted({e.name for e in entry_points(group="alignzoo")} - {"simpo"})


def test_the_first_party_budget_applies_per_adapter() -> None:
    everything = [*OTHERS, "simpo"]
    assert train_config("algorithm=simpo", plugins=everything)["learning_rate"] == 3e-5
    lora = train_config("algorithm=simpo", "peft=lora", plugins=everything)
    assert lora["learning_rate"] == 1e-4  # docs/budgets.md
    # the command line still wins over any budget
    mine = train_config("algorithm=simpo", "train.learning_rate=0.002", plugins=everything)
    assert mine["learning_rate"] == 0.002


def test_a_third_partys_algorithm_of_the_same_name_never_gets_the_first_partys_budget(
    tmp_path: Path,
) -> None:
    plugins = [*OTHERS, "rival_simpo"]
    rival_distribution(tmp_path / "with", budget="0.0007")
    own = train_config("algorithm=simpo", plugins=plugins, path=tmp_path / "with")
    assert own["learning_rate"] == 0.0007  # its own budget
    rival_distribution(tmp_path / "without", budget=None)
    shared = train_config("algorithm=simpo", plugins=plugins, path=tmp_path / "without")
    assert shared["learning_rate"] == 1e-3  # the shared default, not SimPO's 3e-5
