"""``alignzoo-compare DIR [DIR...] [--out DIR]``: a comparison report from finished runs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from alignzoo.compare.report import write_report
from alignzoo.compare.runs import find_runs


def main(argv: Sequence[str] | None = None) -> None:
    """(Re)build the report of every run found under the given directories."""
    parser = argparse.ArgumentParser(prog="alignzoo-compare", description=__doc__)
    parser.add_argument("directories", nargs="+", type=Path, help="run or sweep directories")
    parser.add_argument("--out", type=Path, help="where to write (default: the first directory)")
    args = parser.parse_args(argv)
    try:
        runs = find_runs(args.directories)
    except FileNotFoundError as error:
        parser.exit(2, f"alignzoo-compare: {error}\n")
    if not runs:
        parser.exit(2, f"alignzoo-compare: no runs under {', '.join(map(str, args.directories))}\n")
    path = write_report(runs, args.out or args.directories[0])
    print(f"{len(runs)} runs -> {path}")
