"""The FAISS vector store: int64 ids → L2-normalized vectors, inner product = cosine.

``flat`` (default) is exact and supports deletion and id filters directly. ``hnsw`` is
approximate and faster at a million passages; FAISS cannot delete from HNSW graphs, so deleted
ids become tombstones (the caller's id table no longer knows them and drops them from results)
and the graph is rebuilt from the live vectors once a quarter of it is dead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import faiss
import numpy as np

KINDS = ("flat", "hnsw")
_HNSW_M = 32
_HNSW_EF_CONSTRUCTION = 80
_HNSW_EF_SEARCH = 96
_REBUILD_DEAD_FRACTION = 0.25


def tune_faiss(threads: int | None = None) -> None:
    """Process-wide FAISS knobs.

    This FAISS build only switches flat search to BLAS for batches of 128000 queries; below that
    its own kernels are 9-13x slower on two cores. 20 gives identical results.
    """
    faiss.cvar.distance_compute_blas_threshold = 20
    if threads:
        faiss.omp_set_num_threads(threads)


def _new_index(dim: int, kind: str) -> faiss.Index:
    if kind == "flat":
        inner = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, _HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = _HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = _HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index kind {kind!r}; expected one of {KINDS}")
    return faiss.IndexIDMap2(inner)


class VectorStore:
    """A persistent ``IndexIDMap2`` over a flat or HNSW index."""

    def __init__(self, path: Path | None, dim: int, kind: str = "flat") -> None:
        self.path = path
        self.dim = dim
        self.kind = kind
        if path is not None and path.exists():
            self.index = faiss.read_index(str(path))
            if self.index.d != dim:
                raise ValueError(f"{path}: vectors of dimension {self.index.d}, expected {dim}")
        else:
            self.index = _new_index(dim, kind)
        if kind == "hnsw":
            faiss.downcast_index(self.index.index).hnsw.efSearch = _HNSW_EF_SEARCH

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        """Every id stored (tombstones included)."""
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ``ids`` (the caller never re-adds a live id)."""
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, np.int64)
            )

    def remove(self, ids: Iterable[int], live: Iterable[int] | None = None) -> None:
        """Delete ``ids``; for HNSW, rebuild from ``live`` ids when too many are dead."""
        array = np.fromiter(ids, dtype=np.int64)
        if not len(array):
            return
        if self.kind == "flat":
            self.index.remove_ids(array)
            return
        if live is not None:
            live_ids = np.fromiter(live, dtype=np.int64)
            if len(self) and 1 - len(live_ids) / len(self) > _REBUILD_DEAD_FRACTION:
                self.rebuild(live_ids)

    def rebuild(self, live_ids: np.ndarray) -> None:
        """Rebuild the index with only ``live_ids`` (drops HNSW tombstones)."""
        vectors = self.get(live_ids)
        self.index = _new_index(self.dim, self.kind)
        self.add(live_ids, vectors)

    def get(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids``."""
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for row, ident in enumerate(ids):
            out[row] = self.index.reconstruct(int(ident))
        return out

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids) per query; ``allowed`` restricts the ids (exact for flat)."""
        if not len(self):
            empty = np.empty((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        k = min(k, len(self))
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if allowed is not None and self.kind == "flat":
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, np.int64)))
            scores, ids = self.index.search(queries, k, params=params)
        else:
            scores, ids = self.index.search(queries, k)
        return scores, ids

    def save(self) -> None:
        """Write atomically (temp file, then rename)."""
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, self.path)
