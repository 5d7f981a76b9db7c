"""The SQLite side of the index: stable int64 passage ids, per-document metadata, passage texts.

This is the source of truth: the FAISS vectors and the tantivy full text are keyed by these ids
and can be rebuilt from the texts kept here. Filters are plain SQL over the document metadata.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.text import fold
from search import copies
from search.diacritics import SyllableCounts
from search.passages import DocumentInfo, Passage, context_text
from search.sql import rows_in
from search.tables import is_table

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    key TEXT PRIMARY KEY, iri TEXT NOT NULL, number TEXT, doc_type TEXT, doc_type_code TEXT,
    issuer TEXT, date TEXT, title TEXT, source TEXT);
CREATE INDEX IF NOT EXISTS documents_source ON documents (source);
CREATE TABLE IF NOT EXISTS implements (
    doc_key TEXT NOT NULL REFERENCES documents (key) ON DELETE CASCADE, ref_key TEXT NOT NULL,
    PRIMARY KEY (doc_key, ref_key));
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, iri TEXT NOT NULL UNIQUE,
    doc_key TEXT NOT NULL REFERENCES documents (key) ON DELETE CASCADE,
    ord INTEGER NOT NULL, provision_id TEXT NOT NULL, path TEXT NOT NULL, text TEXT NOT NULL,
    fingerprint TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passages_doc ON passages (doc_key);
CREATE TABLE IF NOT EXISTS passage_tables (id INTEGER PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE);
"""


@dataclass(frozen=True)
class Filters:
    """Search filters; ``None`` means no restriction."""

    doc_type: str | None = None  # type code "KH" or type name "Kế hoạch"
    issuer: str | Sequence[str] | None = None  # part of the issuer's name or the issuer code ("ThU"); or any of several
    implements: Sequence[str] | None = None  # document keys (already resolved from a REF)
    since: str | None = None  # ISO date, inclusive
    until: str | None = None
    documents: Sequence[str] | None = None  # document keys, e.g. the cascade of a directive (kg.knowledge)

    def __bool__(self) -> bool:
        return any(
            v is not None
            for v in (self.doc_type, self.issuer, self.implements, self.since, self.until, self.documents)
        )


@dataclass(frozen=True)
class StoredPassage:
    """A passage row with its document."""

    id: int
    iri: str
    provision_id: str
    path: list[str]
    text: str
    document: DocumentInfo


class Catalog:
    """Passage ids, metadata and full text in one SQLite file."""

    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        """Open (and create) the catalog; ``read_only`` opens an existing one for reading only, e.g.
        one connection per searching thread beside the writer's (WAL: readers see committed states)."""
        if read_only:
            self.db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.create_function("fold", 1, lambda s: fold(s) if s else "", deterministic=True)
        self.db.execute("PRAGMA foreign_keys = ON")
        if read_only:
            self.syllables = SyllableCounts(self.db)
            return
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(_SCHEMA + copies.SCHEMA)
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0')")
            self.syllables = SyllableCounts(self.db)
        if self.get_meta("tables") != "1":  # an index from before annex tables were told apart
            with self.db:
                rows = self.db.execute("SELECT id, provision_id, path, text FROM passages WHERE provision_id LIKE 'PL%'")
                self.db.executemany(
                    "INSERT OR IGNORE INTO passage_tables (id) VALUES (?)",
                    [(r[0],) for r in rows.fetchall() if is_table(r[1], json.loads(r[2]), r[3])],
                )
                self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('tables', '1')")
        if self.get_meta("copies") != "3":  # an index from before copy clusters (v3: sizes, 21 bands)
            with self.db:
                self.db.execute("DELETE FROM copy_signatures")
                self.db.execute("DELETE FROM copy_bands")
                if "size" not in {r[1] for r in self.db.execute("PRAGMA table_info(copy_signatures)")}:
                    self.db.execute("ALTER TABLE copy_signatures ADD COLUMN size INTEGER NOT NULL DEFAULT 0")
                copies.add_passages(self.db, copies.unsigned_passages(self.db))
                self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('copies', '3')")

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        """A stored setting of the index (embedder id, dimension, kind)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting of the index."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ writes
    def fingerprints(self, doc_keys: Iterable[str]) -> dict[str, tuple[int, str]]:
        """``iri → (id, fingerprint)`` for the passages of ``doc_keys``."""
        keys = list(doc_keys)
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT iri, id, fingerprint FROM passages WHERE doc_key IN ({marks})", keys
        ).fetchall()
        return {iri: (ident, fp) for iri, ident, fp in rows}

    def doc_keys_for(self, key: str | None = None, source: str | None = None) -> list[str]:
        """Keys of stored documents with this key or this source file."""
        rows = self.db.execute(
            "SELECT key FROM documents WHERE key = ? OR (source IS NOT NULL AND source = ?)", (key, source)
        ).fetchall()
        return [r[0] for r in rows]

    def replace_documents(
        self,
        old_keys: Sequence[str],
        info: DocumentInfo | None,
        passages: Sequence[Passage],
        fingerprints: Sequence[str],
        keep: dict[str, int],
    ) -> tuple[list[int], list[int], list[int]]:
        """Drop ``old_keys`` and store ``info`` with ``passages`` in one transaction.

        Passages whose IRI is in ``keep`` retain their id (their vector is unchanged). Returns
        ``(removed ids, new ids, every passage's id)``; new ids in the order of the passages not kept.
        Every change bumps the catalog's ``generation``.
        """
        marks = ",".join("?" * len(old_keys))
        with self.db:
            self.syllables.update(
                (
                    r[0]
                    for r in self.db.execute(
                        f"SELECT text FROM passages WHERE doc_key IN ({marks})", list(old_keys)
                    )
                ),
                -1,
            )
            old_ids = [
                r[0]
                for r in self.db.execute(
                    f"SELECT id FROM passages WHERE doc_key IN ({marks})", list(old_keys)
                )
            ]
            removed = [i for i in old_ids if i not in set(keep.values())]
            self.db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
            self.db.execute(
                f"DELETE FROM passages WHERE doc_key IN ({marks}) AND id NOT IN "
                f"({','.join('?' * len(keep))})",
                [*old_keys, *keep.values()],
            )
            if info is None:
                self.db.execute(f"DELETE FROM documents WHERE key IN ({marks})", list(old_keys))
                return removed, [], []
            self.db.execute(
                f"DELETE FROM documents WHERE key IN ({marks}) AND key != ?", [*old_keys, info.key]
            )
            self.db.execute(
                "INSERT INTO documents (key, iri, number, doc_type, doc_type_code, issuer, date, title,"
                " source) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO UPDATE SET iri=excluded.iri,"
                " number=excluded.number, doc_type=excluded.doc_type, doc_type_code=excluded.doc_type_code,"
                " issuer=excluded.issuer, date=excluded.date, title=excluded.title, source=excluded.source",
                (
                    info.key,
                    info.iri,
                    info.number,
                    info.doc_type,
                    info.doc_type_code,
                    info.issuer,
                    info.date,
                    info.title,
                    info.source,
                ),
            )
            self.db.execute("DELETE FROM implements WHERE doc_key = ?", (info.key,))
            self.db.executemany(
                "INSERT OR IGNORE INTO implements VALUES (?, ?)", [(info.key, ref) for ref in info.implements]
            )
            added, ids = [], []
            for ord_, (passage, fp) in enumerate(zip(passages, fingerprints, strict=True)):
                values = (
                    info.key,
                    ord_,
                    passage.provision_id,
                    json.dumps(list(passage.path), ensure_ascii=False),
                    passage.text,
                    fp,
                )
                if passage.iri in keep:
                    ident = keep[passage.iri]
                    self.db.execute(
                        "UPDATE passages SET doc_key=?, ord=?, provision_id=?, path=?, text=?, "
                        "fingerprint=? WHERE id=?",
                        (*values, ident),
                    )
                else:
                    ident = self.db.execute(
                        "INSERT INTO passages (doc_key, ord, provision_id, path, text, fingerprint, iri)"
                        " VALUES (?,?,?,?,?,?,?)",
                        (*values, passage.iri),
                    ).lastrowid
                    added.append(ident)
                ids.append(ident)
            self.syllables.update((p.text for p in passages), +1)
            self.db.executemany(
                "INSERT OR IGNORE INTO passage_tables (id) VALUES (?)",
                [(ident,) for ident, p in zip(ids, passages, strict=True) if p.table],
            )
            texts = {ident: p.text for ident, p in zip(ids, passages, strict=True)}
            copies.add_passages(self.db, [(ident, texts[ident]) for ident in added])
        return removed, added, ids

    # ------------------------------------------------------------------ reads
    def count(self) -> int:
        """Number of live passages."""
        return int(self.db.execute("SELECT count(*) FROM passages").fetchone()[0])

    def has_passages(self) -> bool:
        """True when any passage is stored (cheap, unlike :meth:`count` on a large index)."""
        return self.db.execute("SELECT 1 FROM passages LIMIT 1").fetchone() is not None

    def live_ids(self) -> list[int]:
        """Every live passage id."""
        return [r[0] for r in self.db.execute("SELECT id FROM passages")]

    def fulltext_rows(self, batch: int = 10_000) -> Iterator[list[tuple[int, str, str]]]:
        """Every passage as ``(id, text, context)`` (title and headings), in batches."""
        cursor = self.db.execute(
            "SELECT p.id, p.text, p.path, d.title FROM passages p JOIN documents d ON d.key = p.doc_key"
        )
        while rows := cursor.fetchmany(batch):
            yield [(r[0], r[1], context_text(r[3], json.loads(r[2]))) for r in rows]

    def texts(self, ids: Sequence[int]) -> dict[int, tuple[str, list[str]]]:
        """``id → (text, path)`` (to re-embed after a crash)."""
        rows = rows_in(self.db, "SELECT id, text, path FROM passages WHERE id {in}", ids)
        return {r[0]: (r[1], json.loads(r[2])) for r in rows}

    def filter_sql(self, filters: Filters) -> tuple[str, list[object]]:
        """SQL condition over ``d`` (documents) for ``filters``."""
        clauses: list[str] = []
        args: list[object] = []
        if filters.doc_type:
            clauses.append("(lower(d.doc_type_code) = lower(?) OR lower(d.doc_type) = lower(?))")
            args += [filters.doc_type, filters.doc_type]
        if filters.issuer:
            # Whole words of the issuer's name ("Phong Thổ", "huyen uy"), or the number's issuer code ("HU");
            # several names (a unit and its predecessors): any of them.
            names = [filters.issuer] if isinstance(filters.issuer, str) else list(filters.issuer)
            one = "(' ' || fold(d.issuer) || ' ' LIKE '% ' || fold(?) || ' %' OR fold(d.number) LIKE '%/' || fold(?))"
            clauses.append("(" + " OR ".join([one] * len(names)) + ")")
            args += [n for name in names for n in (name, name)]
        if filters.implements is not None:
            refs = list(filters.implements)
            clauses.append(
                f"d.key IN (SELECT doc_key FROM implements WHERE ref_key IN ({','.join('?' * len(refs))}))"
            )
            args += refs
        if filters.documents is not None:
            keys = list(filters.documents)
            clauses.append(f"d.key IN ({','.join('?' * len(keys))})")
            args += keys
        if filters.since:
            clauses.append("d.date >= ?")
            args.append(filters.since)
        if filters.until:
            clauses.append("d.date <= ?")
            args.append(filters.until)
        return (" AND ".join(clauses) or "1"), args

    def allowed_ids(self, filters: Filters) -> list[int]:
        """Ids of the passages that pass ``filters``."""
        where, args = self.filter_sql(filters)
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT p.id FROM passages p JOIN documents d ON d.key = p.doc_key WHERE {where}", args
            )
        ]

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Rows for ``ids`` (unknown ids are absent)."""
        rows = rows_in(
            self.db,
            "SELECT p.id, p.iri, p.provision_id, p.path, p.text, d.key, d.iri, d.number, d.doc_type,"
            " d.doc_type_code, d.issuer, d.date, d.title, d.source FROM passages p"
            " JOIN documents d ON d.key = p.doc_key WHERE p.id {in}",
            [int(i) for i in ids],
        )
        return {r[0]: StoredPassage(r[0], r[1], r[2], json.loads(r[3]), r[4], DocumentInfo(*r[5:14])) for r in rows}

    def passage_dates(self, ids: Sequence[int]) -> dict[int, str | None]:
        """``id → its document's date`` for the live passages among ``ids`` (lighter than :meth:`passages`)."""
        sql = "SELECT p.id, d.date FROM passages p JOIN documents d ON d.key = p.doc_key WHERE p.id {in}"
        return dict(rows_in(self.db, sql, [int(i) for i in ids]))

    def passage_id(self, iri: str) -> int | None:
        """The id of a provision IRI."""
        row = self.db.execute("SELECT id FROM passages WHERE iri = ?", (iri,)).fetchone()
        return row[0] if row else None

    def passage_id_by_key(self, doc_key: str, provision_id: str) -> int | None:
        """The id of ``<doc key>#<provision id>``."""
        row = self.db.execute(
            "SELECT id FROM passages WHERE doc_key = ? AND provision_id = ?", (doc_key, provision_id)
        ).fetchone()
        return row[0] if row else None

    def documents_numbered(self, seqs: Sequence[str]) -> list[DocumentInfo]:
        """Documents whose key or number begins with one of ``seqs`` ("23-CT/TW", "23/CT-TW", "23/2024/…")."""
        if not seqs:
            return []
        likes = [f"{seq}{sep}%" for seq in seqs for sep in "-/"]
        where = " OR ".join(["key LIKE ? OR number LIKE ?"] * len(likes))
        rows = self.db.execute(
            "SELECT key, iri, number, doc_type, doc_type_code, issuer, date, title, source"
            f" FROM documents WHERE {where} ORDER BY key",
            [like for like in likes for _ in (0, 1)],
        )
        return [DocumentInfo(*r) for r in rows]

    def documents(self) -> list[DocumentInfo]:
        """Every stored document."""
        rows = self.db.execute(
            "SELECT key, iri, number, doc_type, doc_type_code, issuer, date, title, source"
            " FROM documents ORDER BY key"
        )
        return [DocumentInfo(*r) for r in rows]

    def table_ids(self, ids: Sequence[int]) -> set[int]:
        """The annex data tables among ``ids``."""
        return {r[0] for r in rows_in(self.db, "SELECT id FROM passage_tables WHERE id {in}", [int(i) for i in ids])}

    def copy_clusters(self, ids: Sequence[int]) -> dict[int, int]:
        """``id → copy cluster`` (passages sharing one wording share a cluster; see :mod:`search.copies`)."""
        return copies.clusters(self.db, ids)

    def documents_by_key(self, keys: Sequence[str]) -> dict[str, DocumentInfo]:
        """Stored documents among ``keys``, by key."""
        sql = "SELECT key, iri, number, doc_type, doc_type_code, issuer, date, title, source FROM documents WHERE key {in}"
        return {r[0]: DocumentInfo(*r) for r in rows_in(self.db, sql, keys)}

    def ids_of_documents(self, doc_keys: Sequence[str]) -> list[int]:
        """Passage ids of these documents, in provision order."""
        rows = self.db.execute(
            f"SELECT id FROM passages WHERE doc_key IN ({','.join('?' * len(doc_keys))})"
            " ORDER BY doc_key, ord",
            list(doc_keys),
        )
        return [r[0] for r in rows]

    def documents_implementing(self, ref_keys: Sequence[str]) -> list[str]:
        """Keys of stored documents that implement (fully or partly) any of ``ref_keys``."""
        marks = ",".join("?" * len(ref_keys))
        rows = self.db.execute(
            f"SELECT DISTINCT doc_key FROM implements WHERE ref_key IN ({marks})", list(ref_keys)
        )
        return [r[0] for r in rows]

    def implements_keys(self) -> list[str]:
        """Every key some stored document implements."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT ref_key FROM implements")]
