"""docs/plugins.md's worked example is the example package, word for word, so it runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "alignzoo-orpo"
#: "`path`: prose ..." then a fenced block holding that file
_FILE_BLOCK = re.compile(r"^`([\w./-]+)`: .*?\n```\w*\n(.*?)\n```", re.MULTILINE | re.DOTALL)


def test_the_worked_example_shows_every_file_of_the_example_package_as_it_is() -> None:
    shown = dict(_FILE_BLOCK.findall((ROOT / "docs" / "plugins.md").read_text()))
    sources = [EXAMPLE / "pyproject.toml", *(EXAMPLE / "src").rglob("*")]
    shipped = {
        str(path.relative_to(EXAMPLE))
        for path in sources
        if path.suffix in {".py", ".toml", ".yaml"} and ".egg-info" not in str(path)
    }
    assert set(shown) == shipped
    for path, text in shown.items():
        assert text == (EXAMPLE / path).read_text().rstrip("\n"), path
