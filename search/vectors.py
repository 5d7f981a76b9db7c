"""The FAISS vector store: int64 ids → L2-normalized vectors, inner product = cosine.

``flat`` (default) is exact and supports deletion and id filters directly; a single query scans
every vector, which is memory-bound (~0.3 ms per 1,000 vectors on this machine).
``ivf`` starts exact and, once it holds ``IVF_MIN`` vectors, trains an inverted file (sqrt(n)
lists, ``nprobe`` of them scanned per query) on what it holds; it keeps deletion and id filters.
``hnsw`` is a graph; FAISS cannot delete from it, so deleted ids become tombstones (the caller's
id table no longer knows them and drops them from results) and the graph is rebuilt from the live
vectors once a quarter of it is dead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import faiss
import numpy as np

KINDS = ("flat", "ivf", "hnsw")
IVF_MIN = 20_000
_IVF_NPROBE = 16
_IVF_TRAIN_PER_LIST = 40
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
    if kind in ("flat", "ivf"):  # an IVF starts flat until it has enough vectors to train on
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

    @property
    def _is_ivf(self) -> bool:
        return not hasattr(self.index, "id_map")

    def ids(self) -> np.ndarray:
        """Every id stored (tombstones included)."""
        if not self._is_ivf:
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        lists = self.index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(self.index.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, np.int64)

    def _train_ivf(self) -> None:
        """Replace the flat start of an ``ivf`` store by a trained inverted file over the same vectors."""
        ids = self.ids()
        vectors = faiss.downcast_index(self.index.index).reconstruct_n(0, len(ids))
        nlist = max(1, int(np.sqrt(len(ids))))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(
            len(ids), min(len(ids), nlist * _IVF_TRAIN_PER_LIST), replace=False
        )
        ivf.train(vectors[np.sort(sample)])
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by id
        ivf.add_with_ids(vectors, ids)
        ivf.nprobe = _IVF_NPROBE
        self.index = ivf

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ``ids`` (the caller never re-adds a live id)."""
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, np.int64)
            )
        if self.kind == "ivf" and not self._is_ivf and len(self) >= IVF_MIN:
            self._train_ivf()

    def remove(self, ids: Iterable[int], live: Iterable[int] | None = None) -> None:
        """Delete ``ids``; for HNSW, rebuild from ``live`` ids when too many are dead."""
        array = np.fromiter(ids, dtype=np.int64)
        if not len(array):
            return
        if self.kind != "hnsw":
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
        if allowed is not None and self.kind != "hnsw":
            selector = faiss.IDSelectorBatch(np.asarray(allowed, np.int64))
            params = (
                faiss.SearchParametersIVF(sel=selector, nprobe=_IVF_NPROBE)
                if self._is_ivf
                else faiss.SearchParameters(sel=selector)
            )
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
