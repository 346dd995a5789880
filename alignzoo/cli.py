"""The ``alignzoo`` command: a Hydra app, plus ``alignzoo plugins`` to list what is installed."""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from alignzoo.config.schema import register_schema
from alignzoo.errors import AlignzooError
from alignzoo.registry import LoadedPlugins, describe_plugins, load_plugins
from alignzoo.runner.run import run

#: loaded once per process, before Hydra composes, so plugin configs are in the ConfigStore
_plugins: LoadedPlugins | None = None


def prepare() -> LoadedPlugins:
    """Register the run schema and every installed plugin (idempotent)."""
    global _plugins
    if _plugins is None:
        register_schema()
        _plugins = load_plugins()
    return _plugins


def main() -> None:
    """``alignzoo [overrides]`` trains; ``alignzoo plugins`` lists the installed plugins."""
    if sys.argv[1:2] == ["plugins"]:
        print(describe_plugins(prepare()))
        return
    prepare()
    _hydra_main()


@hydra.main(version_base="1.3", config_path="pkg://alignzoo.conf", config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        summary = run(cfg, prepare(), run_dir)
    except AlignzooError as error:
        sys.exit(f"alignzoo: {error}")
    print(format_summary(summary, run_dir))


def format_summary(summary: dict, run_dir: Path) -> str:
    """The final figures beside the reference's, as the last thing a run prints."""
    final, initial = summary["final"], summary["initial"]
    lines = [
        f"\n{summary['algorithm']} on {summary['data']} - {summary['steps']} steps, "
        f"{summary['wall_time_s']:.0f} s, peak memory {summary['peak_memory_mb']:.0f} MB"
    ]
    for key in sorted(final):
        start = initial.get(key)
        before = f"   (reference: {start:.3f})" if start is not None else ""
        lines.append(f"  {key:<28} {final[key]:8.3f}{before}")
    lines.append(f"  outputs: {run_dir}")
    return "\n".join(lines)
