"""Copies of one wording across documents, found once at ingest so that a query only looks them up.

Every passage gets a MinHash signature of its masked syllable shingles (:func:`search.shingles.signature`)
and is put in the buckets of locality-sensitive hashing (``BANDS`` bands of ``ROWS`` values, kept in
SQLite next to the passages). A new passage is compared only with the passages that share a bucket,
never with the whole corpus, and joins the copy cluster of the first one whose estimated Jaccard
reaches ``THRESHOLD`` — or, for a copy with a bullet dropped or added, whose shorter side lies
(nearly) inside the other (:func:`same_wording`). At query time grouping is one lookup of the candidates' cluster ids.

With 21 bands of 3 values a pair at Jaccard 0.6 shares a bucket with probability
1 - (1 - 0.6^3)^21 ≈ 0.99, at 0.4 ≈ 0.75 (a near-copy with a bullet dropped), at 0.2 ≈ 0.16
(then rejected by the estimate).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

import numpy as np

from search.shingles import NUM_PERM, band_keys, minhash, shingles
from search.sql import rows_in

SCHEMA = """
CREATE TABLE IF NOT EXISTS copy_signatures (
    id INTEGER PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE,
    cluster INTEGER NOT NULL, signature BLOB NOT NULL, size INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS copy_signatures_cluster ON copy_signatures (cluster);
CREATE TABLE IF NOT EXISTS copy_bands (
    key INTEGER NOT NULL, id INTEGER NOT NULL REFERENCES passages (id) ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS copy_bands_key ON copy_bands (key);
CREATE INDEX IF NOT EXISTS copy_bands_id ON copy_bands (id);
"""
BANDS = 21  # of 3 values each (63 of the 64)
THRESHOLD = 0.6  # estimated Jaccard of two copies of one wording ...
CONTAINED = 0.85  # ... or the shorter one's shingles found in the longer (a bullet dropped or added) ...
CONTAINED_JACCARD = 0.4  # ... provided they still share this much (a heading is not a copy of its section)
MAX_CANDIDATES = 200  # a bucket shared by thousands of boilerplate lines is sampled, not scanned


def _estimate(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def same_wording(jaccard: float, size_a: int, size_b: int) -> bool:
    """Two passages are copies of one wording: nearly the same shingles, or one nearly inside the other.

    The shared shingles are estimated from the Jaccard and the set sizes: |A ∩ B| = J (|A| + |B|) / (1 + J).

    >>> same_wording(0.7, 40, 40), same_wording(0.75, 30, 40), same_wording(0.2, 5, 40)
    (True, True, False)
    """
    if jaccard >= THRESHOLD:
        return True
    if jaccard < CONTAINED_JACCARD or not size_a or not size_b:
        return False
    shared = jaccard * (size_a + size_b) / (1 + jaccard)
    return shared / min(size_a, size_b) >= CONTAINED


def add_passages(db: sqlite3.Connection, passages: Iterable[tuple[int, str]]) -> None:
    """Sign and bucket new passages ``(id, text)`` and give each its copy cluster (caller's transaction)."""
    for ident, text in passages:
        items = shingles(text)
        sig = minhash(items)
        keys = band_keys(sig, BANDS)
        marks = ",".join("?" * len(keys))
        rows = db.execute(
            f"SELECT b.id, count(*) AS n FROM copy_bands b WHERE b.key IN ({marks}) AND b.id != ?"
            f" GROUP BY b.id ORDER BY n DESC, b.id LIMIT {MAX_CANDIDATES}",
            [*keys, ident],
        ).fetchall()
        cluster = ident
        if rows:
            ids = [r[0] for r in rows]
            found = db.execute(
                f"SELECT id, cluster, signature, size FROM copy_signatures WHERE id IN ({','.join('?' * len(ids))})",
                ids,
            ).fetchall()
            matches = [
                c for _, c, blob, size in found
                if same_wording(_estimate(sig, np.frombuffer(blob, np.uint64)), len(items), size)
            ]
            if matches:
                cluster = min(matches)
        db.execute(
            "INSERT OR REPLACE INTO copy_signatures (id, cluster, signature, size) VALUES (?, ?, ?, ?)",
            (ident, cluster, sig.astype(np.uint64).tobytes(), len(items)),
        )
        db.execute("DELETE FROM copy_bands WHERE id = ?", (ident,))
        db.executemany("INSERT INTO copy_bands (key, id) VALUES (?, ?)", [(k, ident) for k in keys])


def unsigned_passages(db: sqlite3.Connection) -> list[tuple[int, str]]:
    """Passages without a signature yet (an index built before copies were signed)."""
    return db.execute(
        "SELECT p.id, p.text FROM passages p LEFT JOIN copy_signatures s ON s.id = p.id WHERE s.id IS NULL"
        " ORDER BY p.id"
    ).fetchall()


def clusters(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, int]:
    """``id → copy cluster`` for the signed passages among ``ids``."""
    return dict(rows_in(db, "SELECT id, cluster FROM copy_signatures WHERE id {in}", [int(i) for i in ids]))


assert NUM_PERM // BANDS >= 2
