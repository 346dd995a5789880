"""reasoning-gym's tasks, built once per (name, settings) and shared by data and reward."""

from __future__ import annotations

import difflib
import functools
import json
from typing import Any

from alignzoo.errors import ConfigError


@functools.cache
def _dataset(task: str, settings: str, size: int, seed: int) -> Any:
    import reasoning_gym

    names = sorted(reasoning_gym.factory.DATASETS)
    if task not in names:
        close = difflib.get_close_matches(task, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; one of {len(names)} tasks"
        raise ConfigError(f"data.task={task!r} is no reasoning-gym task{hint}")
    try:
        return reasoning_gym.create_dataset(task, size=size, seed=seed, **json.loads(settings))
    except (TypeError, ValueError, AssertionError) as error:
        raise ConfigError(f"data.task_config for {task}: {error}") from None


def task_dataset(task: str, settings: dict[str, Any], size: int, seed: int) -> Any:
    """The task's generated problems (``size`` of them from ``seed``)."""
    return _dataset(task, json.dumps(settings, sort_keys=True), size, seed)


def task_verifier(task: str, settings: dict[str, Any]) -> Any:
    """An instance of the task whose ``score_answer`` checks answers."""
    return task_dataset(task, settings, 1, 0)
