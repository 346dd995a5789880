"""Finished (or failed, or cut-short) runs, read back from their run directories."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from alignzoo.run_layout import FAILURE, METRICS, PIPELINE, SUMMARY


@dataclass
class RunRecord:
    """What one run left on disk: its status, overrides, summary and evaluation points."""

    directory: Path
    #: "finished" (summary.json), "failed" (failure.json) or "incomplete" (neither)
    status: str
    overrides: list[str]
    algorithm: str
    seed: int
    #: the training reward's name (``gold``, ``learned``), None for an algorithm without one
    reward: str | None = None
    summary: dict[str, Any] | None = None
    #: every held-out evaluation, in order: {"step": n, "eval/...": value}
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    #: its config: as trained (summary.json) once finished, else as composed (.hydra/)
    config: dict[str, Any] = field(default_factory=dict)

    #: the overrides that set this run's configuration apart from the other runs compared
    label: str = ""
    #: for a pipeline's stage, the pipeline run's overrides (what its stages share, such as
    #: the reward model they score with); empty for a single run
    pipeline_overrides: list[str] = field(default_factory=list)
    #: those of them that set the pipeline apart from the other runs compared
    group: str = ""
    #: the curve it belongs to in the plots and the ranking: the algorithm, and its reward
    #: where runs of that algorithm trained on different ones ("ppo[learned]", "ppo[gold]")
    method: str = ""

    @property
    def guards(self) -> list[dict[str, Any]]:
        """The degeneration guards that fired in this run (summary.json), in order."""
        return list((self.summary or {}).get("guards") or [])

    def guard_words(self) -> str:
        """The guards that fired, short: ``short_completions@125 (stopped)``; "" if none."""
        stopped = (self.summary or {}).get("stopped") or {}
        return ", ".join(
            f"{g.get('guard')}@{g.get('step')}"
            + (" (stopped)" if g.get("guard") == stopped.get("guard") else "")
            for g in self.guards
        )

    def configuration(self, shared: set[str] | frozenset[str] = frozenset()) -> str:
        """Its overrides less the seed (what repeats) and those every run has (``shared``)."""
        kept = [
            o for o in self.overrides if not o.startswith(("seed=", "hydra.")) and o not in shared
        ]
        if not any(o.startswith("algorithm=") for o in kept):
            kept.insert(0, f"algorithm={self.algorithm}")
        return " ".join(kept)


def label_configurations(runs: list[RunRecord]) -> list[RunRecord]:
    """Label each run by the overrides that distinguish it from the others compared, and
    name its method (the algorithm, with its reward where that differs between runs)."""
    shared = set.intersection(*(set(r.overrides) for r in runs)) if len(runs) > 1 else set()
    rewards: dict[str, set[str | None]] = {}
    for run in runs:
        run.label = run.configuration(shared)
        run.group = " ".join(o for o in run.pipeline_overrides if o not in shared)
        rewards.setdefault(run.algorithm, set()).add(run.reward)
    for run in runs:
        several = len(rewards[run.algorithm]) > 1
        run.method = f"{run.algorithm}[{run.reward}]" if several else run.algorithm
    return runs


def load_run(directory: Path) -> RunRecord:
    """Read one run directory, whatever state the run ended in."""
    directory = Path(directory)
    hydra_dir = directory / ".hydra"
    overrides = _yaml_list(hydra_dir / "overrides.yaml")
    choices = _hydra_choices(hydra_dir / "hydra.yaml")
    stage, pipeline = _pipeline_stage(directory), []
    if stage is not None:  # a pipeline's stage: the pipeline's overrides, then its own
        overrides = _yaml_list(directory.parent / ".hydra" / "overrides.yaml")
        overrides = [o for o in overrides if not o.lstrip("+~").startswith("pipeline")]
        pipeline = [o for o in overrides if not o.startswith(("seed=", "hydra."))]
        overrides = [*overrides, f"stage={stage['name']}", *stage.get("stage_overrides", [])]
        choices = {"algorithm": stage.get("algorithm")}
        hydra_dir = directory.parent / ".hydra"  # its seed, until its own summary says
    config = _yaml(hydra_dir / "config.yaml") or {}
    summary = _json(directory / SUMMARY)
    failure = _json(directory / FAILURE)
    if summary is not None:
        status, config = "finished", summary.get("config", config)
    else:
        status = "failed" if failure is not None else "incomplete"
    rows = _metric_rows(directory / METRICS)
    evaluations = [r for r in rows if any(k.startswith("eval/") for k in r)]
    algorithm = (summary or {}).get("algorithm") or choices.get("algorithm") or "?"
    reward = (summary or {}).get("reward", choices.get("reward"))
    record = RunRecord(
        directory=directory,
        status=status,
        overrides=overrides,
        algorithm=str(algorithm),
        seed=int(config.get("seed", 0) or 0),
        reward=None if reward is None else str(reward),
        pipeline_overrides=pipeline,
        group=" ".join(pipeline),
        summary=summary,
        evaluations=evaluations,
        error=(failure or {}).get("error"),
        config=config if isinstance(config, dict) else {},
    )
    record.label = record.configuration()
    record.method = record.algorithm
    return record


def find_runs(paths: list[Path]) -> list[RunRecord]:
    """Every run directory at or below ``paths`` (one with ``.hydra/`` or a metrics log)."""
    found: dict[Path, None] = {}
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such directory")
        markers = (p for p in path.rglob("*") if p.name in (".hydra", METRICS))
        candidates = [path, *sorted({p.parent for p in markers})]
        for candidate in candidates:
            if (candidate / PIPELINE).exists() and not (candidate / METRICS).exists():
                continue  # a pipeline: its stages below are the runs
            if (candidate / ".hydra").is_dir() or (candidate / METRICS).exists():
                found[candidate.resolve()] = None
    return label_configurations([load_run(directory) for directory in found])


def config_value(config: dict[str, Any], dotted: str) -> Any:
    """The value at ``dotted`` (``algorithm.dpo.beta``) of a config read back; None if absent."""
    node: Any = config
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def has_metrics(row: dict[str, Any], *keys: str) -> bool:
    """Whether a metrics row holds a value for every one of ``keys``."""
    return all(row.get(key) is not None for key in keys)


def _pipeline_stage(directory: Path) -> dict[str, Any] | None:
    """The pipeline's record of the stage run in ``directory``, if it is one."""
    pipeline = _json(directory.parent / PIPELINE)
    for stage in (pipeline or {}).get("stages", []):
        if Path(stage.get("dir", "")).name == directory.name:
            return stage
    return None


def _json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _yaml(path: Path) -> Any:
    if not path.exists():
        return None
    return OmegaConf.to_container(OmegaConf.load(path), resolve=False)


def _yaml_list(path: Path) -> list[str]:
    return [str(item) for item in (_yaml(path) or [])]


def _hydra_choices(path: Path) -> dict[str, Any]:
    hydra = _yaml(path) or {}
    return dict(hydra.get("hydra", {}).get("runtime", {}).get("choices", {}) or {})


def _metric_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a metrics log; a line cut off by a crash is skipped."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows
