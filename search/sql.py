"""SQLite helpers shared by the catalog and the copy signatures."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

_CHUNK = 500  # well under SQLite's bound-parameter limit


def rows_in(db: sqlite3.Connection, sql: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` whose ``{in}`` is ``IN (?, ...)`` over ``values``, bound in chunks (never in the text).

    >>> db = sqlite3.connect(":memory:")
    >>> _ = db.execute("CREATE TABLE t (x)"); _ = db.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1200)])
    >>> len(list(rows_in(db, "SELECT x FROM t WHERE x {in}", list(range(0, 1200, 2)))))
    600
    """
    for start in range(0, len(values), _CHUNK):
        chunk = list(values[start : start + _CHUNK])
        yield from db.execute(sql.replace("{in}", f"IN ({','.join('?' * len(chunk))})"), chunk)
