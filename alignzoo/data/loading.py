"""Read rows from a local file or the Hugging Face hub and normalise them into records.

JSONL is parsed here rather than by ``datasets`` so that a bad line is reported with its exact
line number; the other formats go through ``datasets`` (which also handles hub ids), imported
only then: it brings pyarrow and pandas, about 85 MB of resident memory a JSONL run does not
need. A UTF-8 byte-order mark at the start of a file, as some Windows editors write, is read
past.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from alignzoo.data.formats import (
    ChatTokenizer,
    normalize_feedback,
    normalize_pair,
    normalize_prompt,
)
from alignzoo.data.identical_pairs import warn_identical_pairs
from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord
from alignzoo.errors import DataFormatError

R = TypeVar("R")
SUFFIXES = (".jsonl", ".json", ".parquet", ".csv")
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")
_FILE_EXT = re.compile(r"\.[A-Za-z]+")  # ".jsonl" is a file; "tulu-3.1" is still a hub name


def _jsonl_rows(path: Path) -> Iterator[Any]:
    """Yield one row per non-blank line; rows are numbered 0-based, lines 1-based.

    Lines are read as bytes and decoded one by one, so that a file in another encoding
    (Latin-1, say) is refused naming the byte offset in the file where UTF-8 fails.
    """
    with path.open("rb") as handle:
        row, offset = 0, 0
        for lineno, raw in enumerate(handle, start=1):
            start, offset = offset, offset + len(raw)
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):  # written by some editors
                raw, start = raw[len(codecs.BOM_UTF8) :], start + len(codecs.BOM_UTF8)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataFormatError(
                    path.name,
                    row,
                    None,
                    f"line {lineno} is not UTF-8 (byte 0x{raw[err.start]:02x} at byte offset "
                    f"{start + err.start} of the file); JSONL files must be encoded as UTF-8",
                ) from err
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as err:
                raise DataFormatError(
                    path.name, row, None, f"line {lineno} is not valid JSON: {err.msg}"
                ) from err
            row += 1


def _load_dataset(*args: Any, **kwargs: Any) -> Any:
    """``datasets.load_dataset``, importing ``datasets`` on first use (see the module's note)."""
    import datasets

    return datasets.load_dataset(*args, **kwargs)


def _datasets_rows(path: Path, builder: str) -> Iterable[dict[str, Any]]:
    try:
        return _load_dataset(builder, data_files=str(path), split="train")
    except Exception as err:  # datasets wraps parser errors in several exception types
        if "corresponds to no data" in str(err):  # how datasets says a file holds no rows
            return []
        raise DataFormatError(path.name, None, None, f"could not read as {builder}: {err}") from err


def _dataset_split(source: str, split: str, is_dir: bool) -> Iterable[dict[str, Any]]:
    """A split of a dataset directory or hub id; what ``datasets`` raises (an empty directory,
    an unknown split, an unreachable hub) becomes one error naming the source."""
    try:
        return _load_dataset(source, split=split)
    except Exception as err:  # datasets raises many types: FileNotFoundError, ValueError, ...
        if is_dir and type(err).__name__ == "EmptyDatasetError":
            problem = (
                f"the directory holds no data files; expected files ending in one of "
                f"{', '.join(SUFFIXES)} (or a dataset saved by datasets)"
            )
        else:
            where = "directory" if is_dir else "hub dataset"
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
            problem = f"could not load split {split!r} of this {where}: {first_line or err!r}"
        raise DataFormatError(source, None, None, problem) from err


_READERS: dict[str, Callable[[Path], Iterable[Any]]] = {
    ".jsonl": _jsonl_rows,
    ".json": lambda p: _datasets_rows(p, "json"),
    ".parquet": lambda p: _datasets_rows(p, "parquet"),
    ".csv": lambda p: _datasets_rows(p, "csv"),
}


def read_rows(source: str, split: str = "train") -> tuple[Iterable[Any], str]:
    """Return the raw rows of ``source`` and a name for errors; ``split`` is for hub/dirs only."""
    path = Path(source)
    if path.is_file():
        reader = _READERS.get(path.suffix.lower())
        if reader is None:
            raise DataFormatError(
                path.name,
                None,
                None,
                f"unsupported file type; expected one of {', '.join(SUFFIXES)}",
            )
        return reader(path), path.name
    if path.is_dir() or (_HUB_ID.fullmatch(source) and not _FILE_EXT.fullmatch(path.suffix)):
        return _dataset_split(source, split, path.is_dir()), source
    raise DataFormatError(
        source,
        None,
        None,
        f"no such file; expected an existing file ending in one of {', '.join(SUFFIXES)}, "
        "a dataset directory, or a hub id like 'owner/name'",
    )


def _load(
    source: str,
    split: str,
    limit: int | None,
    normalize: Callable[[Any, int, str], R],
    keep: Callable[[Any], bool] | None = None,
    check: Callable[[Sequence[tuple[int, R]], str], None] | None = None,
) -> list[R]:
    """Normalise the rows; ``check`` sees each record with its row index, to warn about."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive integer or None, got {limit}")
    rows, name = read_rows(source, split)
    indexed = [
        (i, normalize(row, i, name))
        for i, row in enumerate(islice(rows, limit))
        if keep is None or keep(row)
    ]
    if not indexed:
        raise DataFormatError(name, None, None, "has no rows")
    if check is not None:
        check(indexed, name)
    return [record for _, record in indexed]


def load_pairs(
    source: str,
    split: str = "train",
    tokenizer: ChatTokenizer | None = None,
    limit: int | None = None,
    min_score_ratio: float | None = None,
) -> list[PreferencePair]:
    """Load up to ``limit`` preference pairs from any supported source and row shape; with
    ``min_score_ratio``, SHP rows whose ``score_ratio`` is below it are left out. Pairs whose
    chosen equals rejected are kept, with an ``IdenticalPairsWarning`` counting them."""
    return _load(
        source,
        split,
        limit,
        lambda row, i, name: normalize_pair(row, i, name, tokenizer),
        keep=None if min_score_ratio is None else _score_ratio_at_least(min_score_ratio),
        check=warn_identical_pairs,
    )


def load_feedback(
    source: str,
    split: str = "train",
    tokenizer: ChatTokenizer | None = None,
    limit: int | None = None,
) -> list[list[LabelledCompletion]]:
    """Load unpaired feedback, a list per row: an unpaired row's one, a pair row's two."""
    return _load(
        source, split, limit, lambda row, i, name: normalize_feedback(row, i, name, tokenizer)
    )


def _score_ratio_at_least(minimum: float) -> Callable[[Any], bool]:
    """SHP's filter: keep rows whose preferred reply scored ``minimum`` times the other's."""

    def keep(row: Any) -> bool:
        ratio = row.get("score_ratio") if isinstance(row, dict) else None
        return ratio is None or float(ratio) >= minimum

    return keep


def load_prompts(
    source: str,
    split: str = "train",
    tokenizer: ChatTokenizer | None = None,
    limit: int | None = None,
    system_prompt: str | None = None,
    template: str | None = None,
) -> list[PromptRecord]:
    """Load up to ``limit`` prompts from any supported source (pair rows give their prompt),
    each with its row's other columns as per-example fields; ``template`` and
    ``system_prompt`` as :func:`~alignzoo.data.formats.normalize_prompt` applies them."""
    return _load(
        source,
        split,
        limit,
        lambda row, i, name: normalize_prompt(row, i, name, tokenizer, system_prompt, template),
    )
