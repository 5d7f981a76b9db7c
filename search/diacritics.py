"""Put diacritics back on a query typed without them, from the corpus's own usage.

The embedder reads "bao dam kinh phi" far worse than "bảo đảm kinh phí" (see the no-diacritics
rows in docs/benchmarks.md ## Search), so before embedding such a query each syllable gets the
accented form the indexed provisions use most in that context: counts of syllables and of
adjacent pairs kept next to the catalog, and a Viterbi pass over the query.

>>> import sqlite3
>>> db = sqlite3.connect(":memory:")
>>> counts = SyllableCounts(db)
>>> counts.update(["Văn phòng bảo đảm kinh phí.", "Báo cáo kết quả; bảo đảm tiến độ, báo cáo."], +1)
>>> counts.restore("bao dam kinh phi, bao cao")
'bảo đảm kinh phí báo cáo'
>>> counts.restore("xyz kinh")
'xyz kinh'
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from collections import Counter
from collections.abc import Iterable

from kg.text import fold
from search.normalize import words

_SCHEMA = """
CREATE TABLE IF NOT EXISTS syllables (folded TEXT NOT NULL, exact TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (folded, exact)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS syllable_pairs (folded TEXT NOT NULL, exact TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (folded, exact)) WITHOUT ROWID;
"""
_CANDIDATES = 6
_PAIR_WEIGHT = 2.0  # context decides over raw frequency ("bao cao" → "báo cáo", "bao dam" → "bảo đảm")


class SyllableCounts:
    """Syllable and syllable-pair counts of the indexed text, in the catalog's database."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.executescript(_SCHEMA)

    def update(self, texts: Iterable[str], sign: int) -> None:
        """Count (``sign=+1``) or uncount (``-1``) the syllables of ``texts`` (inside the caller's transaction)."""
        singles: Counter[str] = Counter()
        pairs: Counter[str] = Counter()
        for text in texts:
            tokens = words(text)
            singles.update(tokens)
            pairs.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
        for table, counter in (("syllables", singles), ("syllable_pairs", pairs)):
            self.db.executemany(
                f"INSERT INTO {table} (folded, exact, n) VALUES (?, ?, ?)"
                " ON CONFLICT (folded, exact) DO UPDATE SET n = n + excluded.n",
                [(fold(k), k, sign * v) for k, v in counter.items()],
            )
            if sign < 0:
                self.db.execute(f"DELETE FROM {table} WHERE n <= 0")

    def _candidates(self, token: str) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT exact, n FROM syllables WHERE folded = ? ORDER BY n DESC LIMIT ?", (token, _CANDIDATES)
        ).fetchall()
        return rows or [(token, 1)]

    def _pair(self, a: str, b: str) -> int:
        pair = f"{a} {b}"  # both key columns: a lookup on ``exact`` alone would scan the table
        row = self.db.execute(
            "SELECT n FROM syllable_pairs WHERE folded = ? AND exact = ?", (fold(pair), pair)
        ).fetchone()
        return row[0] if row else 0

    def restore(self, query: str) -> str:
        """The most likely accented spelling of a query typed without diacritics (lower-case)."""
        tokens = [fold(t) for t in words(query)]
        if not tokens:
            return query
        # Viterbi: best[c] = (score, path) over the accented candidates of each position.
        best = {c: (math.log1p(n), [c]) for c, n in self._candidates(tokens[0])}
        for token in tokens[1:]:
            step = {}
            for c, n in self._candidates(token):
                score, path = max(
                    (
                        (s + math.log1p(n) + _PAIR_WEIGHT * math.log1p(self._pair(p[-1], c)), p)
                        for s, p in best.values()
                    ),
                    key=lambda sp: sp[0],
                )
                step[c] = (score, [*path, c])
            best = step
        return " ".join(max(best.values(), key=lambda sp: sp[0])[1])
