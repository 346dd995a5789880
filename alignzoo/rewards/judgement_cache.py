"""Judgements cached on disk, so a rerun or a comparison run does not pay for them twice."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import torch

from alignzoo.cache import cache_root
from alignzoo.rewards.judge import Judge


class CachedJudge(Judge):
    """Wraps a judge; each judgement is keyed by (judge identity, kind, prompt, responses).

    SQLite makes concurrent runs (a multirun, several processes) safe without a lock file.
    A judgement scored as unknown (an unreadable answer) is not stored: a rerun asks again.
    """

    def __init__(self, judge: Judge, path: Path | None = None) -> None:
        self.judge = judge
        self.path = path or cache_root() / "judgements.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.hits = self.misses = 0
        self._unreadable: list[int] = []
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS judgements (key TEXT PRIMARY KEY, value REAL)")

    @property
    def identity(self) -> str:
        """The wrapped judge's identity."""
        return self.judge.identity

    @property
    def answers_can_be_unreadable(self) -> bool:  # type: ignore[override]
        """As the wrapped judge's."""
        return self.judge.answers_can_be_unreadable

    def unreadable_rows(self) -> list[int]:
        """The wrapped judge's unknown rows of the last call, as rows of this call's input."""
        return list(self._unreadable)

    @property
    def reference_field(self) -> str | None:
        """As the wrapped judge's."""
        return self.judge.reference_field

    def compare(
        self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]
    ) -> torch.Tensor:
        """Cached ``compare``: only unseen triples reach the judge."""
        keys = [
            self._key("compare", p, a, b) for p, a, b in zip(prompts, first, second, strict=True)
        ]
        return self._cached(
            keys,
            lambda idx: self.judge.compare(
                [prompts[i] for i in idx], [first[i] for i in idx], [second[i] for i in idx]
            ),
        )

    def rate(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        references: Sequence[str] | None = None,
    ) -> torch.Tensor:
        """Cached ``rate``; a reference answer is part of its judgement's key."""
        if references is None:
            keys = [self._key("rate", p, r) for p, r in zip(prompts, responses, strict=True)]
            return self._cached(
                keys,
                lambda idx: self.judge.rate([prompts[i] for i in idx], [responses[i] for i in idx]),
            )
        keys = [
            self._key("rate", p, r, ref)
            for p, r, ref in zip(prompts, responses, references, strict=True)
        ]
        return self._cached(
            keys,
            lambda idx: self.judge.rate(
                [prompts[i] for i in idx],
                [responses[i] for i in idx],
                [references[i] for i in idx],
            ),
        )

    def _key(self, kind: str, *texts: str) -> str:
        blob = json.dumps([self.judge.identity, kind, *texts]).encode()
        return hashlib.sha256(blob).hexdigest()

    def _cached(
        self, keys: list[str], judge_missing: Callable[[list[int]], torch.Tensor]
    ) -> torch.Tensor:
        with self._connect() as db:
            rows = db.execute(
                f"SELECT key, value FROM judgements WHERE key IN ({','.join('?' * len(keys))})",
                keys,
            ).fetchall()
        known = dict(rows)
        missing = [i for i, key in enumerate(keys) if key not in known]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        self._unreadable = []
        if missing:
            fresh = judge_missing(missing).float().tolist()
            unknown = {missing[row] for row in self.judge.unreadable_rows()}
            self._unreadable = sorted(unknown)
            with self._connect() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO judgements VALUES (?, ?)",
                    [
                        (keys[i], value)
                        for i, value in zip(missing, fresh, strict=True)
                        if i not in unknown
                    ],
                )
            known |= {keys[i]: value for i, value in zip(missing, fresh, strict=True)}
        return torch.tensor([known[key] for key in keys], dtype=torch.float32)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success and is always closed."""
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db
