"""The search index: FAISS vectors + SQLite catalog (ids, metadata, FTS5) under one directory.

``SearchIndex`` is the one object the rest of the product uses: ``add_document`` /
``remove_source`` keep it in step with ingestion, ``search`` and ``similar`` answer queries.

Concurrency: searches run in parallel (each thread reads through its own read-only SQLite
connection and borrows one of a pool of embedder sessions; FAISS and tantivy are searched
concurrently). One write runs at a time; it embeds outside any lock and then applies its changes to
the catalog, the full text and the vectors while readers are held back, so a search sees a
document either entirely or not at all.
The directory describes itself (embedder id, dimension, index kind in the catalog's ``meta``);
opening it with another embedder fails with a message that says how to rebuild.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.document import ExtractedDocument
from kg.errors import KgError
from search.catalog import Catalog, Filters, StoredPassage
from search.embedders import Embedder, EmbeddingCache, PieceCounts, PieceProgress, embed_cached
from search.fulltext import FullText
from search.normalize import embed_key, has_diacritics
from search.passages import MAX_CHUNKS, chunk_texts, document_info, passages_of
from search.ranking import RRF_K, fuse_scores, group_copies, highlights, rrf
from search.refs import RefPattern, parse_ref
from search.rwlock import ReadWriteLock
from search.tables import TABLE_WEIGHT
from search.vectors import VectorStore, choose_kind, tune_faiss

MODES = ("hybrid", "dense", "bm25")
_CATALOG = "catalog.sqlite"
_VECTORS = "vectors.faiss"
_FULLTEXT = "fulltext"
_QUERY_CACHE = 256
_CHUNK_BITS = 6  # vector id = passage id << 6 | piece number (MAX_CHUNKS = 64 pieces)
assert 1 << _CHUNK_BITS == MAX_CHUNKS


def _vector_ids(passage_ids: Iterable[int]) -> np.ndarray:
    """Every vector id a passage's pieces may use."""
    base = np.fromiter(passage_ids, dtype=np.int64) << _CHUNK_BITS
    return (base[:, None] + np.arange(MAX_CHUNKS, dtype=np.int64)).ravel()


_FULLTEXT_GENERATION = "fulltext.generation"


class IndexMismatchError(KgError):
    """The index was built by another embedder (or with another dimension)."""


class UnknownProvisionError(KgError):
    """A provision reference that is not in the index."""


@dataclass
class Hit:
    """One search result: a provision, its document, and copies of its wording elsewhere."""

    passage: StoredPassage
    score: float
    highlights: list[str] = field(default_factory=list)
    also_in: list[StoredPassage] = field(default_factory=list)

    def as_json(self, rank: int) -> dict[str, Any]:
        """The result object of ``kg search --json`` (SPEC section 5), plus ``also_in``."""
        p = self.passage
        return {
            "rank": rank,
            "score": round(self.score, 6),
            "provision": {"iri": p.iri, "id": p.provision_id, "path": p.path, "text": p.text},
            "document": p.document.as_json(),
            "highlights": self.highlights,
            "also_in": [
                {
                    "provision": o.iri,
                    "id": o.provision_id,
                    "document": o.document.key,
                    "number": o.document.number,
                    "issuer": o.document.issuer,
                }
                for o in self.also_in
            ],
        }


@dataclass
class SearchResult:
    """What a query returns."""

    query: str
    mode: str
    took_ms: float
    hits: list[Hit]

    def as_json(self) -> dict[str, Any]:
        """``{"query", "mode", "took_ms", "results"}``."""
        return {
            "query": self.query,
            "mode": self.mode,
            "took_ms": round(self.took_ms, 1),
            "results": [h.as_json(i) for i, h in enumerate(self.hits, start=1)],
        }


class _Serialized:
    """An embedder instance used by one thread at a time."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_passages(texts)


def _reads(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a public read method inside :meth:`SearchIndex._reading`."""

    @functools.wraps(method)
    def wrapper(self: SearchIndex, *args: Any, **kwargs: Any) -> Any:
        with self._reading():
            return method(self, *args, **kwargs)

    return wrapper


class SearchIndex:
    """Vectors and full text of every ingested provision under ``path``."""

    def __init__(
        self,
        path: Path,
        embedder: Embedder | Callable[[], Embedder],
        base_iri: str,
        kind: str = "flat",
        candidates: int = 100,
        threads: int = 0,
        cache: EmbeddingCache | None = None,
    ) -> None:
        """``threads``: embedder sessions for parallel searches (0: one per core; 1 with an embedder
        instance rather than a factory)."""
        # One query at a time gains nothing from FAISS's OpenMP team, and on 2 cores the team fights
        # the embedder's and full text's threads: at 1M passages the dense step of a hybrid query took
        # 15 ms with 2 threads, 1.6-3 ms with 1 (docs/benchmarks.md "Search cost"). Training an
        # inverted file (a kind switch, a regrowth) is slower for it, and rare.
        tune_faiss(threads=1)
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.base_iri = base_iri
        self._writer_catalog = Catalog(self.path / _CATALOG)
        self._local = threading.local()
        self._rw = ReadWriteLock()  # searches shared, applying a write exclusive
        self._write_mutex = threading.RLock()  # one write at a time
        self._cache_lock = threading.Lock()
        self._sessions: queue.SimpleQueue[Embedder] = queue.SimpleQueue()
        self._session_count = 0
        self._max_sessions = max(1, threads or os.cpu_count() or 1)
        self.longest_swap_s = 0.0  # the longest time a write held searches back
        self.requested_kind = kind  # the setting: a kind, or "auto" (chosen by size, see fit_kind)
        self.kind = self.catalog.get_meta("kind") or choose_kind(kind, 0)
        self.candidates = candidates
        self.cache = cache  # vectors by piece text, shared across documents and ingests
        # Hybrid fusion: "scores" (convex combination of normalized scores, dense weight 0.5) or "rrf"
        # (reciprocal-rank fusion, weight and k below). Chosen on the tuning half of data/eval/ and
        # reported on the other half (benchmarks/reuse.py, docs/benchmarks.md "Reuse and ranking"):
        # RRF trailed BM25 on MRR@10 at every weight, score fusion at 0.5 leads on both measures.
        self.fusion = "scores"
        self.dense_weight = 0.5
        self.rrf_k = RRF_K
        self._is_factory = callable(embedder) and not hasattr(embedder, "embed_queries")
        # An instance is shared by searches and writes: one call at a time (a factory makes sessions).
        self._embedder_source = embedder if self._is_factory else _Serialized(embedder)  # type: ignore[arg-type]
        self._embedder: Embedder | None = None
        self._vectors: VectorStore | None = None
        self._fulltext: FullText | None = None
        self._query_cache: dict[str, np.ndarray] = {}
        self._bulk = 0
        self._dirty = False

    # ------------------------------------------------------------------ lifecycle
    @property
    def catalog(self) -> Catalog:
        """The writer's connection; inside a search, this thread's read-only one."""
        reader = getattr(self._local, "active", None)
        return reader if reader is not None else self._writer_catalog

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A consistent read: the index opened, writes held back, this thread's catalog connection."""
        if getattr(self._local, "active", None) is not None:  # nested: already reading
            yield
            return
        if self._vectors is None or self._fulltext is None:
            with self._write_mutex, self._rw.write():
                self.fulltext  # noqa: B018 -- open (and repair) before readers share it
                with contextlib.suppress(KgError):  # a mismatched embedder fails in the dense ranking only
                    self.vectors  # noqa: B018
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = Catalog(self.path / _CATALOG, read_only=True)
        with self._rw.read():
            self._local.active = reader
            try:
                yield
            finally:
                self._local.active = None

    @contextmanager
    def _swap(self) -> Iterator[None]:
        """Hold readers back while a write applies its changes; :attr:`longest_swap_s` keeps the longest."""
        with self._rw.write():
            started = time.perf_counter()
            try:
                yield
            finally:
                self.longest_swap_s = max(self.longest_swap_s, time.perf_counter() - started)

    @contextmanager
    def _session(self) -> Iterator[Embedder]:
        """An embedder session for one query: a pool of up to ``threads`` made by the factory on demand
        (never the writer's own); an index given an instance shares it, one call at a time."""
        if not self._is_factory:
            yield self.embedder
            return
        try:
            session = self._sessions.get_nowait()
        except queue.Empty:
            with self._cache_lock:
                grow = self._session_count < self._max_sessions
                self._session_count += grow
            if not grow:
                session = self._sessions.get()
            else:
                try:
                    session = self._checked(self._embedder_source())  # type: ignore[operator]
                except BaseException:
                    with self._cache_lock:
                        self._session_count -= 1
                    raise
        try:
            yield session
        finally:
            self._sessions.put(session)

    def _checked(self, embedder: Embedder) -> Embedder:
        """``embedder``, if it is the one the index was built with."""
        built_with = self.catalog.get_meta("embedder")
        if built_with is not None and built_with != embedder.id:
            raise IndexMismatchError(
                f"Chỉ mục tìm kiếm {self.path} được xây bằng embedder {built_with}, không dùng được với "
                f"{embedder.id}: xóa thư mục {self.path} rồi chạy lại `kg ingest` để xây lại."
            )
        return embedder

    @property
    def embedder(self) -> Embedder:
        """The writer's embedder, loaded on first use (once per index object) and checked against the index."""
        if self._embedder is None:
            source = self._embedder_source
            self._embedder = self._checked(source() if self._is_factory else source)  # type: ignore[operator]
        return self._embedder

    @property
    def vectors(self) -> VectorStore:
        """The FAISS store, opened on first use and reconciled with the catalog."""
        if self._vectors is None:
            dim = self.embedder.dim
            stored_dim = self.catalog.get_meta("dim")
            if stored_dim is not None and int(stored_dim) != dim:
                raise IndexMismatchError(
                    f"Chỉ mục {self.path} có vector {stored_dim} chiều, embedder cho {dim}: "
                    f"xóa thư mục {self.path} rồi chạy lại `kg ingest`."
                )
            self.catalog.set_meta("embedder", self.embedder.id)
            self.catalog.set_meta("dim", str(dim))
            self.catalog.set_meta("kind", self.kind)
            self._vectors = VectorStore(self.path / _VECTORS, dim, self.kind)
            self._reconcile()
        return self._vectors

    @property
    def fulltext(self) -> FullText:
        """The tantivy full-text index, rebuilt from the catalog when an interrupted write left it behind."""
        if self._fulltext is None:
            self._fulltext = FullText(self.path / _FULLTEXT)
            behind = self._fulltext_generation() != self.catalog.get_meta("generation")
            if behind or len(self._fulltext) != self.catalog.count():
                try:
                    self._fulltext.clear()
                    for rows in self.catalog.fulltext_rows():
                        self._fulltext.add(rows)
                    self._commit_fulltext()
                except ValueError:  # another process holds the writer: read what is there
                    pass
        return self._fulltext

    def _fulltext_generation(self) -> str | None:
        marker = self.path / _FULLTEXT_GENERATION
        return marker.read_text().strip() if marker.exists() else None

    def _commit_fulltext(self) -> None:
        assert self._fulltext is not None
        self._fulltext.commit()
        marker = self.path / _FULLTEXT_GENERATION
        marker.with_suffix(".tmp").write_text(str(self.catalog.get_meta("generation")))
        marker.with_suffix(".tmp").replace(marker)

    def _reconcile(self) -> None:
        """Repair an interrupted write: drop vectors the catalog lost, embed passages it gained."""
        assert self._vectors is not None
        live = set(self.catalog.live_ids())
        stored_ids = self._vectors.ids()
        stored = set((stored_ids >> _CHUNK_BITS).tolist())
        extra = stored - live
        if extra and self.kind != "hnsw":
            self._vectors.remove(stored_ids[np.isin(stored_ids >> _CHUNK_BITS, list(extra))])
            self._dirty = True
        missing = sorted(live - stored)
        if missing:
            rows = self.catalog.texts(missing)
            pieces = [chunk_texts(*rows[i]) for i in missing]
            self._vectors.add(*self._embed_pieces(missing, pieces))
            self._dirty = True
        self._save()

    def _embed_pieces(
        self, passage_ids: Sequence[int], pieces: Sequence[list[str]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vector ids and vectors of the passages' pieces."""
        ids = [
            (pid << _CHUNK_BITS) | n
            for pid, texts in zip(passage_ids, pieces, strict=True)
            for n in range(len(texts))
        ]
        vectors, _ = embed_cached(self.embedder, [t for texts in pieces for t in texts], self.cache)
        return np.array(ids, np.int64), vectors

    def _remove_vectors(self, passage_ids: Sequence[int]) -> None:
        if not passage_ids:
            return
        live = None
        if self.kind == "hnsw":  # tombstones; the store rebuilds from the live ones when too many die
            stored = self.vectors.ids()
            live = stored[np.isin(stored >> _CHUNK_BITS, self.catalog.live_ids())]
        self.vectors.remove(_vector_ids(passage_ids), live=live)
        self._dirty = True

    @contextmanager
    def bulk(self) -> Iterator[SearchIndex]:
        """Defer writing the vector file until the block ends (for ingesting many documents)."""
        self._bulk += 1
        try:
            yield self
        finally:
            self._bulk -= 1
            self._save()

    def _save(self) -> None:
        if self._bulk:
            return
        with self._write_mutex:
            self._save_now()

    def _save_now(self) -> None:
        if self._dirty and self._vectors is not None:
            self._vectors.save()
            self._dirty = False
        if self._fulltext is not None and self._fulltext_generation() != self.catalog.get_meta("generation"):
            self._commit_fulltext()

    def snapshot(self, target: Path) -> None:
        """Copy the index, as of now and consistent, into the new directory ``target`` (searches go on)."""
        with self._write_mutex:  # no write starts until the copy is done
            self._save_now()
            target.mkdir(parents=True)
            with sqlite3.connect(str(target / _CATALOG)) as copy:
                self._writer_catalog.db.backup(copy)
            copy.close()
            for name in (*(f.name for f in self.path.glob(_VECTORS + "*")), _FULLTEXT_GENERATION):
                if (self.path / name).exists():  # an ivfpq index keeps its exact vectors in vectors.faiss.raw*
                    shutil.copy2(self.path / name, target / name)
            if (self.path / _FULLTEXT).is_dir():
                shutil.copytree(self.path / _FULLTEXT, target / _FULLTEXT,
                                ignore=shutil.ignore_patterns("*.lock", ".tantivy-*.lock"))

    def close(self) -> None:
        """Flush and close."""
        self._save()
        self.catalog.close()

    # ------------------------------------------------------------------ writes
    def add_document(self, doc: ExtractedDocument) -> int:
        """Index (or re-index) a document's provisions, replacing its earlier version.

        The earlier version is found by key or by source file. Unchanged provisions keep their
        vectors; returns the number of passages embedded.
        """
        with self._write_mutex:
            return self._add_one(doc, {})

    def add_documents(
        self,
        docs: Sequence[ExtractedDocument],
        progress: PieceProgress | None = None,
        embed: Callable[[list[str]], np.ndarray] | None = None,
    ) -> PieceCounts:
        """Index several documents with one embedding pass over all their new pieces.

        Each distinct piece text is embedded once (and not at all when the cache has it); then the
        documents are written one by one, exactly as :meth:`add_document` would. ``progress`` gets
        ``(embedded, reused)`` counts as pieces are done; ``embed`` replaces the local embedder
        for the missing texts (e.g. a cluster).
        """
        with self._write_mutex:
            return self._add_many(docs, progress, embed)

    def _add_many(
        self,
        docs: Sequence[ExtractedDocument],
        progress: PieceProgress | None,
        embed: Callable[[list[str]], np.ndarray] | None,
    ) -> PieceCounts:
        embedder_id = self.embedder.id
        self.vectors  # noqa: B018 - opens (and reconciles) the vector store before anything is counted
        texts: list[str] = []
        for doc in docs:
            passages = passages_of(doc, self.base_iri)
            info = document_info(doc, self.base_iri)
            old_keys = self.catalog.doc_keys_for(info.key, info.source)
            existing = self.catalog.fingerprints(old_keys) if old_keys else {}
            for passage in passages:
                old = existing.get(passage.iri)
                if old is None or old[1] != passage.fingerprint(embedder_id):
                    texts += chunk_texts(passage.text, passage.path)
        vectors, counts = embed_cached(self.embedder, texts, self.cache, progress, embed)
        pool = dict(zip(texts, vectors, strict=True))
        for doc in docs:
            self._add_one(doc, pool)
        return counts

    def _add_one(self, doc: ExtractedDocument, pool: dict[str, np.ndarray]) -> int:
        """Write one document's passages; vectors of new pieces come from ``pool``, else the cache."""
        passages = passages_of(doc, self.base_iri)
        info = document_info(doc, self.base_iri)
        embedder_id = self.embedder.id
        vectors = self.vectors
        old_keys = self.catalog.doc_keys_for(info.key, info.source)
        existing = self.catalog.fingerprints(old_keys) if old_keys else {}
        prints = [p.fingerprint(embedder_id) for p in passages]
        keep = {
            p.iri: existing[p.iri][0]
            for p, fp in zip(passages, prints, strict=True)
            if p.iri in existing and existing[p.iri][1] == fp
        }
        fresh = [p for p in passages if p.iri not in keep]
        pieces = [chunk_texts(p.text, p.path) for p in fresh]
        flat = [t for texts in pieces for t in texts]
        unknown = [t for t in flat if t not in pool]
        if unknown:
            pool = {**pool, **dict(zip(unknown, embed_cached(self.embedder, unknown, self.cache)[0], strict=True))}
        embedded = np.array([pool[t] for t in flat], np.float32).reshape(len(flat), -1) if fresh else None
        fulltext = self.fulltext
        with self._swap():  # readers wait only while the prepared changes are applied
            removed, added, ids = self.catalog.replace_documents(
                old_keys or [info.key], info, passages, prints, keep
            )
            fulltext.remove([*removed, *keep.values()])
            fulltext.add((i, p.text, p.context) for i, p in zip(ids, passages, strict=True))
            self._remove_vectors(removed)
            if embedded is not None and len(flat):
                ids = [
                    (pid << _CHUNK_BITS) | n
                    for pid, texts in zip(added, pieces, strict=True)
                    for n in range(len(texts))
                ]
                vectors.add(np.array(ids, np.int64), embedded)
            self._dirty = self._dirty or bool(removed or added)
            if not self._bulk:
                self._commit_fulltext()
        self._save()  # the vector file is written while searches go on
        return len(fresh)

    def fit_kind(self, progress: Callable[[int, int], None] | None = None) -> str | None:
        """Switch the vector index to the kind the setting asks for at this size; the new kind, or None.

        With ``vector_index = "auto"`` the kind follows the collection's size (search.vectors.choose_kind);
        a kind set explicitly replaces the stored one. The new index is filled with the exact vectors
        of the catalog's live passages (``progress(done, total)`` as it goes); an interrupted switch is
        completed from the catalog and the embedding cache by the next open.
        """
        with self._write_mutex:
            if self.catalog.get_meta("dim") is None:
                return None  # nothing indexed yet: the first vectors create the right kind
            wanted = choose_kind(self.requested_kind, len(self.vectors))
            if wanted == self.kind:
                return None
            stored = self.vectors.ids()
            live = stored[np.isin(stored >> _CHUNK_BITS, self.catalog.live_ids())]
            step = 20_000
            staging = self.path / f"next-{_VECTORS}"
            for leftover in self.path.glob(staging.name + "*"):  # from an interrupted switch
                leftover.unlink()
            rebuilt = VectorStore(staging, self.vectors.dim, wanted)  # built aside while searches go on
            for start in range(0, len(live), step):
                chunk = live[start : start + step]
                rebuilt.add(chunk, self.vectors.get(chunk))
                if progress:
                    progress(min(start + step, len(live)), len(live))
            rebuilt.save()
            with self._rw.write():
                for old in self.path.glob(_VECTORS + "*"):
                    old.unlink()
                for new in self.path.glob(staging.name + "*"):
                    new.rename(self.path / (_VECTORS + new.name[len(staging.name):]))
                self.kind = wanted
                self.catalog.set_meta("kind", wanted)
                self._vectors = VectorStore(self.path / _VECTORS, rebuilt.dim, wanted)
            self._save()
            return wanted

    def remove_source(self, source: str) -> int:
        """Drop every passage that came from the file ``source``; returns how many."""
        with self._write_mutex:
            keys = [k for k in self.catalog.doc_keys_for(None, source)]
            if not keys:
                return 0
            fulltext = self.fulltext
            if self._vectors is None and (self.path / _VECTORS).exists():
                self.vectors  # noqa: B018 -- open before readers are held back
            with self._swap():
                removed, _, _ = self.catalog.replace_documents(keys, None, [], [], {})
                fulltext.remove(removed)
                if self._vectors is not None:
                    self._remove_vectors(removed)
                if not self._bulk:
                    self._commit_fulltext()
            self._save()
            return len(removed)

    def has_source(self, source: str) -> bool:
        """True when passages from the file ``source`` are indexed."""
        return bool(self.catalog.doc_keys_for(None, source))

    def __len__(self) -> int:
        return self.catalog.count()

    # ------------------------------------------------------------------ reads
    def _query_vector(self, query: str) -> np.ndarray:
        """The query's embedding; the last few are kept (paging, mode switches, evaluation)."""
        key = embed_key(query)
        with self._cache_lock:
            vector = self._query_cache.pop(key, None)
        if vector is None:
            with self._session() as session:
                vector = session.embed_queries([key])[0]
        with self._cache_lock:
            self._query_cache[key] = vector
            while len(self._query_cache) > _QUERY_CACHE:
                self._query_cache.pop(next(iter(self._query_cache)))
        return vector

    def _dense(
        self, query_vector: np.ndarray, limit: int, allowed: list[int] | None
    ) -> list[tuple[int, float]]:
        """Passages by their best piece: ``(passage id, cosine)``, best first."""
        if not len(self.vectors):
            return []
        exact_filter = allowed is not None and self.kind != "hnsw"
        allowed_array = _vector_ids(allowed) if exact_filter and allowed is not None else None
        fetch = 4 * limit if allowed is None or exact_filter else 40 * limit
        scores, ids = self.vectors.search(query_vector.reshape(1, -1), fetch, allowed_array)
        allowed_set = set(allowed) if allowed is not None and not exact_filter else None
        best: dict[int, float] = {}
        for vid, score in zip(ids[0], scores[0], strict=True):
            pid = int(vid) >> _CHUNK_BITS
            if vid >= 0 and pid not in best and (allowed_set is None or pid in allowed_set):
                best[pid] = float(score)
        return list(best.items())[:limit]

    @_reads
    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        filters: Filters | None = None,
        group: bool = True,
    ) -> SearchResult:
        """Rank provisions for ``query``; a document number in the query puts that document first."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        started = time.perf_counter()
        filters = filters or Filters()
        allowed = self.catalog.allowed_ids(filters) if filters else None
        limit = max(self.candidates, 5 * k)
        rankings: list[list[int]] = []
        pairs: list[list[tuple[int, float]]] = []
        scores: dict[int, float] = {}
        if mode in ("dense", "hybrid") and self.catalog.has_passages():
            # e5 reads unaccented Vietnamese poorly: embed the corpus's accented reading of such a query.
            query_vector = self._query_vector(
                query if has_diacritics(query) else self.catalog.syllables.restore(query)
            )
            dense = self._dense(query_vector, limit, allowed)
            pairs.append(dense)
            rankings.append([i for i, _ in dense])
            scores.update(dense)
        elif mode == "hybrid":
            rankings.append([])  # an empty index: nothing dense to rank
            pairs.append([])
        if mode in ("bm25", "hybrid"):
            lexical = self.fulltext.search(query, limit, allowed)
            pairs.append(lexical)
            rankings.append([i for i, _ in lexical])
            if mode == "bm25":
                scores.update(lexical)
        if mode == "hybrid" and self.fusion == "scores":
            scores = dict(fuse_scores(pairs[0], pairs[1], self.dense_weight))
        elif mode == "hybrid":
            scores = dict(rrf(rankings, k=self.rrf_k, weights=[self.dense_weight, 1.0]))
        for ident in self.catalog.table_ids(list(scores)):  # annex data tables come after provisions
            scores[ident] *= TABLE_WEIGHT
        ranked = sorted(scores, key=lambda i: -scores[i])
        ranked, named = self._documents_first(parse_ref(query), ranked, allowed)
        hits = self._hits(query, ranked, scores, k, group, named)
        return SearchResult(query, mode, (time.perf_counter() - started) * 1000, hits)

    def _documents_first(
        self, ref: RefPattern | None, ranked: list[int], allowed: list[int] | None
    ) -> tuple[list[int], set[int]]:
        """Move the passages of the document the query names to the front; also returns the moved ids."""
        if ref is None:
            return ranked, set()
        keys = [
            d.key
            for d in self.catalog.documents_numbered(ref.stored_seqs())
            if ref.matches(d.key) or (d.number and ref.matches(d.number))
        ]
        if not keys:  # a directive known only from citations: the documents implementing it first
            implementing = set(
                self.catalog.documents_implementing(
                    [key for key in self.catalog.implements_keys() if ref.matches(key)]
                )
            )
            rows = self.catalog.passages(ranked[: self.candidates])
            front = [i for i in ranked if i in rows and rows[i].document.key in implementing]
            front_set = set(front)
            return front + [i for i in ranked if i not in front_set], front_set
        named = self.catalog.ids_of_documents(keys)
        if allowed is not None:
            allowed_set = set(allowed)
            named = [i for i in named if i in allowed_set]
        position = {i: n for n, i in enumerate(ranked)}
        named.sort(key=lambda i: position.get(i, len(ranked)))
        named_set = set(named)
        return named + [i for i in ranked if i not in named_set], named_set

    def _hits(
        self, query: str, ranked: list[int], scores: dict[int, float], k: int, group: bool,
        named: set[int] | frozenset[int] = frozenset(),
    ) -> list[Hit]:
        dates = self.catalog.passage_dates(ranked[: max(k * 10, 50)])
        ordered = [i for i in ranked if i in dates]
        if group:  # copy clusters were found at ingest (search/copies.py): one lookup here
            clusters = self.catalog.copy_clusters(ordered)
            # The source (earliest document) heads a group, unless the query names a document of it.
            groups = group_copies(ordered, clusters, lambda i: "0" if i in named else dates[i], k)
        else:
            groups = [(i, []) for i in ordered[:k]]
        rows = self.catalog.passages([i for head, dups in groups for i in (head, *dups)])
        return [
            Hit(
                rows[head],
                max(scores.get(i, 0.0) for i in (head, *dups)),  # a group ranks by its best member
                highlights(query, rows[head].text),
                [rows[d] for d in dups],
            )
            for head, dups in groups
        ]

    @_reads
    def resolve_provision(self, ref: str) -> int:
        """Passage id of a provision IRI or ``<doc key>#<provision id>``."""
        ident = self.catalog.passage_id(ref)
        if ident is None and "#" in ref:
            key, _, pid = ref.rpartition("#")
            ident = self.catalog.passage_id_by_key(key, pid)
        if ident is None:
            raise UnknownProvisionError(
                f"Không tìm thấy điều khoản {ref!r} trong chỉ mục: dùng IRI của điều khoản hoặc "
                f"'<khóa văn bản>#<số mục>', ví dụ '117-KH/ThU@2023#II.1'."
            )
        return ident

    @_reads
    def provision_vectors(self, passage_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """One unit vector per passage: the normalized mean of its pieces' stored vectors."""
        rows = self.catalog.texts(list(passage_ids))
        out = {}
        for pid, (text, path) in rows.items():
            ids = np.array([(pid << _CHUNK_BITS) | n for n in range(len(chunk_texts(text, path)))], np.int64)
            vector = self.vectors.get(ids).mean(axis=0)
            out[pid] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return out

    @_reads
    def similar(self, ref: str, k: int = 10, group: bool = True) -> SearchResult:
        """Closest wordings of a provision in other documents ("more like this")."""
        started = time.perf_counter()
        ident = self.resolve_provision(ref)
        source = self.catalog.passages([ident])[ident]
        vector = self.provision_vectors([ident])[ident]
        others = [
            i
            for i in self.catalog.live_ids()
            if i not in set(self.catalog.ids_of_documents([source.document.key]))
        ]
        dense = self._dense(vector, max(self.candidates, 5 * k), others)
        scores = dict(dense)
        ranked = [i for i, _ in dense]
        hits = self._hits(source.text, ranked, scores, k, group)
        return SearchResult(ref, "similar", (time.perf_counter() - started) * 1000, hits)

    @_reads
    def documents_matching(self, ref: str) -> list[str]:
        """Keys of implemented documents a REF names (for ``--implements``)."""
        pattern = parse_ref(ref)
        keys = self.catalog.implements_keys()
        if pattern is None:
            return [key for key in keys if key == ref]
        return [key for key in keys if pattern.matches(key)]
