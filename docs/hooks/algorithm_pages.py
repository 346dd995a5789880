"""MkDocs hook: one page per installed algorithm, generated from the plugin itself.

Each page holds the algorithm's docstring (its paper and its loss, as the class states them),
its config table (every field, its type, its default and the ``#:`` comment above it in the
plugin's dataclass) and, where the plugin ships them, its training budgets and its search in
the equal-budget tuning. Nothing is written by hand, so a page cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

FIELD = re.compile(r"^    (\w+): ([^=]+?)(?: = (.+))?$")


def on_files(files: Files, config: Any) -> Files:
    """Add ``algorithms/<name>.md`` for every registered algorithm, and their index."""
    from alignzoo.config.prepare import prepare

    registry = prepare().registry
    components = sorted(registry.components("algorithm"), key=lambda c: c.name)
    rows = []
    for component in components:
        page = algorithm_page(component, Path(config["docs_dir"]) / "results.md")
        files.append(File.generated(config, f"algorithms/{component.name}.md", content=page))
        summary = _first_line(component.factory)
        rows.append(
            f"| [`{component.name}`]({component.name}.md) | {summary} | {component.plugin} |"
        )
    index = "\n".join(
        [
            "# Algorithms",
            "",
            "One page per installed algorithm, generated from its plugin: its docstring, its "
            "config (each field an override, `algorithm.<field>=...`), its budgets and its "
            "search. `alignzoo algorithm=<name>` runs it; the leaderboard ranks them: "
            "[results](../results.md).",
            "",
            "| algorithm | what it is | plugin |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )
    files.append(File.generated(config, "algorithms/index.md", content=index))
    return files


def algorithm_page(component: Any, results: Path) -> str:
    """The page of one algorithm (``results``: the leaderboard page it takes its rows from)."""
    factory = component.factory
    lines = [
        f"# `{component.name}`",
        "",
        f"`alignzoo algorithm={component.name}` (plugin `{component.plugin}`; "
        f"`{factory.__module__}.{factory.__qualname__}`).",
        "",
        inspect.cleandoc(factory.__doc__ or ""),
        "",
        "## Config",
        "",
        f"`{component.config_class.__name__}`: every field is an override, "
        f"`algorithm.<field>=<value>`, checked when the config is composed.",
        "",
        *config_table(component.config_class),
    ]
    package = Path(inspect.getfile(factory)).parent / "conf"
    budgets = sorted((package / "budget" / component.name).glob("*.yaml"))
    if budgets:
        lines += [
            "",
            "## Budgets",
            "",
            "What it trains with besides the shared `train.*` "
            "budget, per adapter ([budgets](../budgets.md)):",
            "",
        ]
        for path in budgets:
            lines += [
                f"`{path.stem}` (`peft={path.stem}`):",
                "",
                "```yaml",
                path.read_text().strip(),
                "```",
                "",
            ]
    lines += results_rows(component.name, results)
    tune = package / "tune" / f"{component.name}.yaml"
    if tune.is_file():
        lines += [
            "",
            "## Equal-budget search",
            "",
            "Its file for `+experiment=tune` ([tuning](../tuning.md)):",
            "",
            "```yaml",
            tune.read_text().strip(),
            "```",
        ]
    return "\n".join(lines) + "\n"


def results_rows(name: str, results: Path) -> list[str]:
    """The algorithm's rows of the leaderboard (results.md), one per gold, if it has any."""
    if not results.is_file():
        return []
    header: str | None = None
    gold = ""
    rows: list[str] = []
    for line in results.read_text(encoding="utf-8").splitlines():
        if line.startswith("## Gold:"):
            gold = line.removeprefix("## Gold:").strip()
        elif line.startswith("| algorithm |"):
            header = line
        elif header and line.startswith(f"| {name} |"):
            rows.append("| " + gold + " " + line.removeprefix(f"| {name} "))
    if not rows or header is None:
        return []
    columns = header.count("|") - 1
    return [
        "",
        "## Results on the built-in task",
        "",
        "Tuned on the same budget as every other algorithm, mean ± std over 3 seeds "
        "([results](../results.md), [tuning](../tuning.md)):",
        "",
        header.replace("| algorithm |", "| gold |", 1),
        "|" + "---|" * columns,
        *rows,
    ]


def config_table(config_class: type) -> list[str]:
    """| field | type | default | meaning |, the meaning from the ``#:`` lines above it."""
    comments = _field_comments(config_class)
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for field in dataclasses.fields(config_class):
        if not field.init:
            continue
        default = _default(field)
        kind = (
            field.type
            if isinstance(field.type, str)
            else getattr(field.type, "__name__", str(field.type))
        )
        meaning = comments.get(field.name, "").replace("|", "\\|")
        rows.append(f"| `{field.name}` | `{kind}` | `{default}` | {meaning} |")
    return rows


def _field_comments(config_class: type) -> dict[str, str]:
    comments: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(config_class).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = FIELD.match(line)
        if match and not match.group(1).startswith("field_ranges"):
            comments[match.group(1)] = " ".join(pending)
        pending = []
    return comments


def _default(field: dataclasses.Field[Any]) -> str:
    if field.default is not dataclasses.MISSING:
        value = field.default
        return str(getattr(value, "value", value))
    if field.default_factory is not dataclasses.MISSING:
        made = field.default_factory()
        return type(made).__name__ + "()" if dataclasses.is_dataclass(made) else repr(made)
    return "(required)"


def _first_line(factory: Any) -> str:
    doc = inspect.cleandoc(factory.__doc__ or "")
    return doc.split("\n\n", 1)[0].replace("\n", " ").replace("|", "\\|")
