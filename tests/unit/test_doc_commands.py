"""Every command the README and the docs show composes: a renamed key, group or preset fails
here, naming the page and the command, before a reader copies it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from alignzoo.config.prepare import prepare
from alignzoo.planning.command import OPTIONS as PLAN_OPTIONS

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(?:bash|sh|console)?\n(.*?)```", re.DOTALL)
COMMAND = re.compile(r"^(?:accelerate launch .*?-m )?(alignzoo(?:-plan|-leaderboard)?)(?= |$)(.*)")


def shown_commands() -> list[tuple[str, str, str]]:
    """(page, program, arguments) of every alignzoo command in a fenced block."""
    found = []
    for page in PAGES:
        for block in BLOCK.findall(page.read_text(encoding="utf-8")):
            block = re.sub(r"\\\n\s*", " ", block)  # a command continued with a backslash
            for line in block.splitlines():
                line = re.sub(r"\s+#.*$", "", line).strip()
                match = COMMAND.match(line)
                if match:
                    found.append((page.name, match.group(1), match.group(2).strip()))
    return found


def overrides_of(program: str, arguments: str) -> list[str] | None:
    """The overrides to compose, or None for a command that composes nothing of its own
    (``plugins``, a placeholder such as ``...`` or ``<date>``)."""
    if "..." in arguments or "<" in arguments or arguments.startswith("plugins"):
        return None
    words = shlex.split(arguments)
    if program == "alignzoo-leaderboard":  # its search composes each algorithm's trials
        preset = next((w.split("=", 1)[1] for w in words if w.startswith("--preset=")), None)
        if preset is None and "--preset" in words:
            preset = words[words.index("--preset") + 1]
        passed = [w for w in words if "=" in w and not w.startswith("-")]
        return [f"+experiment={preset or 'tune'}", "+tune=dpo", *passed]
    if program == "alignzoo-plan":
        words = [w for w in words if w.split("=", 1)[0] not in PLAN_OPTIONS]
    if words[:1] == ["-m"]:  # a sweep: its first value of each list
        words = [_first_value(w) for w in words[1:]]
    return words


def _first_value(word: str) -> str:
    key, _, value = word.partition("=")
    if not value or value.startswith(("[", "glob(")):
        return word
    return f"{key}={value.split(',')[0]}"


COMMANDS = shown_commands()


def test_the_readme_and_the_docs_show_commands() -> None:
    pages = {page for page, _, _ in COMMANDS}
    assert {"README.md", "getting-started.md", "tuning.md"} <= pages
    assert len(COMMANDS) > 40


@pytest.mark.parametrize(
    ("page", "program", "arguments"), COMMANDS, ids=[f"{p}: {a}"[:90] for p, _, a in COMMANDS]
)
def test_every_shown_command_composes(page: str, program: str, arguments: str) -> None:
    overrides = overrides_of(program, arguments)
    if overrides is None:
        pytest.skip("composes nothing of its own")
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=overrides)
    OmegaConf.to_container(cfg, resolve=True)
