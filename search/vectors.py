"""The FAISS vector store: int64 ids → L2-normalized vectors, inner product = cosine.

``flat`` (default) is exact and supports deletion and id filters directly; a single query scans
every vector, which is memory-bound (~0.3 ms per 1,000 vectors on this machine).
``ivf`` starts exact and, once it holds ``IVF_MIN`` vectors, trains an inverted file (sqrt(n)
lists, ``nprobe`` of them scanned per query) on what it holds; it keeps deletion and id filters.
It retrains with sqrt(n) lists whenever the collection has grown past ``_IVF_REGROW`` × lists²,
else a query would scan a fixed share of an ever larger collection (trained at 20,000 and grown to
1M, 16 of 141 lists are 113,000 vectors a query); the retraining is amortized like a growing array.
``hnsw`` is a graph; FAISS cannot delete from it, so deleted ids become tombstones (the caller's
id table no longer knows them and drops them from results) and the graph is rebuilt from the live
vectors once a quarter of it is dead.
``ivfpq`` is for collections past a few million pieces: exact until ``IVFPQ_MIN`` vectors, then an
inverted file of product-quantized codes (``_PQ_M`` bytes per vector plus its id in memory); the
full float32 vectors live in a file next to the index (:class:`RawVectors`, memory-mapped) and the
top k + max(k, ``_PQ_RERANK``) candidates of each query are re-scored exactly from it.
:func:`choose_kind` picks the kind from the collection's size when the setting is ``auto``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import faiss
import numpy as np
from faiss.contrib.inspect_tools import get_invlist

KINDS = ("flat", "ivf", "hnsw", "ivfpq")
AUTO = "auto"
IVF_MIN = 20_000
IVFPQ_MIN = 50_000
AUTO_IVF_FROM = 200_000  # "auto": flat (exact) below this many vectors
AUTO_IVFPQ_FROM = 2_000_000  # "auto": ivf below this, ivfpq (compressed) from here on
_PQ_M = 32  # bytes of code per vector
_PQ_NPROBE = 48
_PQ_MIN_LISTS = 1024
_PQ_RERANK = 200  # extra candidates re-scored exactly beyond the k asked for (at least k more)
_PQ_TRAIN_ITERATIONS = 10  # k-means rounds per sub-quantizer (FAISS's 25 triples training time)
_IVF_NPROBE = 16
_IVF_TRAIN_PER_LIST = 40
_IVF_REGROW = 2  # retrain once n > this × lists² (sqrt(n) lists: each retraining is 1.4× the lists)
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


def choose_kind(setting: str, vectors: int) -> str:
    """The index kind for ``vectors`` vectors: the setting itself, or by size when it is ``auto``.

    >>> [choose_kind("auto", n) for n in (1_000, 500_000, 5_000_000)], choose_kind("hnsw", 10)
    (['flat', 'ivf', 'ivfpq'], 'hnsw')
    """
    if setting != AUTO:
        if setting not in KINDS:
            raise ValueError(f"unknown index kind {setting!r}; expected {AUTO!r} or one of {KINDS}")
        return setting
    return "flat" if vectors < AUTO_IVF_FROM else "ivf" if vectors < AUTO_IVFPQ_FROM else "ivfpq"


class RawVectors:
    """Full float32 vectors by id in an append-only file (memory-mapped), for exact re-scoring.

    ``<index>.raw`` holds the rows, ``<index>.raw-ids.npy`` the id of each row (written last, so a
    crash between the two leaves extra rows that the next open cuts off). Removed ids keep their rows
    until the index is rebuilt; lookups take the last row of an id.
    """

    def __init__(self, path: Path | None, dim: int) -> None:
        self.dim = dim
        self.path = path
        self.row_ids = np.empty(0, np.int64)
        self._memory = np.empty((0, dim), np.float32)  # when there is no file
        if path is not None and self._ids_file.exists():
            self.row_ids = np.load(self._ids_file)
            with self._rows_file.open("r+b") as handle:
                handle.truncate(len(self.row_ids) * dim * 4)
        self._order: np.ndarray | None = None
        self._rows: np.ndarray | None = None

    @property
    def _rows_file(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".raw")

    @property
    def _ids_file(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".raw-ids.npy")

    def append(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows (the ids file is written by :meth:`save`)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if self.path is None:
            self._memory = np.concatenate([self._memory, vectors])
        else:
            with self._rows_file.open("ab") as handle:
                handle.write(vectors.tobytes())
        self.row_ids = np.concatenate([self.row_ids, np.asarray(ids, np.int64)])
        self._order = self._rows = None

    def get(self, ids: np.ndarray) -> np.ndarray:
        """The vectors of ``ids`` (each must have been appended)."""
        if self._order is None:
            self._order = np.argsort(self.row_ids, kind="stable")
        sorted_ids = self.row_ids[self._order]
        wanted = np.asarray(ids, np.int64)
        positions = np.searchsorted(sorted_ids, wanted, side="right") - 1
        if len(wanted) and (positions.min() < 0 or not np.array_equal(sorted_ids[positions], wanted)):
            raise KeyError("vector id not stored")
        rows = self._order[positions]
        if self.path is None:
            return self._memory[rows]
        if self._rows is None:
            self._rows = np.memmap(self._rows_file, np.float32, "r", shape=(len(self.row_ids), self.dim))
        return np.asarray(self._rows[np.sort(rows)][np.argsort(np.argsort(rows))])

    def memory_bytes(self) -> int:
        """Bytes kept in memory for lookups (ids and their order; the rows stay on disk)."""
        return int(self.row_ids.nbytes + (self._order.nbytes if self._order is not None else 0))

    def save(self) -> None:
        """Write the ids file atomically."""
        if self.path is None:
            return
        tmp = self._ids_file.with_suffix(".tmp.npy")
        np.save(tmp, self.row_ids)
        os.replace(tmp, self._ids_file)

    def reset(self) -> None:
        """Forget every row (before a rebuild)."""
        self.row_ids = np.empty(0, np.int64)
        self._memory = np.empty((0, self.dim), np.float32)
        self._order = self._rows = None
        if self.path is not None:
            self._rows_file.write_bytes(b"")
            self.save()


def _pq_m(dim: int) -> int:
    """Sub-quantizers: ``_PQ_M`` where the dimension allows, never fewer than 4 dimensions each."""
    return next(m for m in (_PQ_M, 24, 16, 12, 8, 4, 2, 1) if (dim % m == 0 and dim // m >= 4) or m == 1)


def _new_index(dim: int, kind: str) -> faiss.Index:
    if kind in ("flat", "ivf", "ivfpq"):  # IVFs start flat until they have enough vectors to train on
        inner = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, _HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = _HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = _HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index kind {kind!r}; expected one of {KINDS}")
    return faiss.IndexIDMap2(inner)


class VectorStore:
    """A persistent FAISS index of one kind (see the module docstring)."""

    def __init__(self, path: Path | None, dim: int, kind: str = "flat") -> None:
        self.path = path
        self.dim = dim
        self.kind = kind
        self.raw = RawVectors(path, dim) if kind == "ivfpq" else None
        if path is not None and path.exists():
            self.index = faiss.read_index(str(path))
            if self.index.d != dim:
                raise ValueError(f"{path}: vectors of dimension {self.index.d}, expected {dim}")
        else:
            self.index = _new_index(dim, kind)
        if kind == "hnsw":
            faiss.downcast_index(self.index.index).hnsw.efSearch = _HNSW_EF_SEARCH
        if kind == "ivfpq" and self._is_ivf:
            faiss.extract_index_ivf(self.index).nprobe = _PQ_NPROBE

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

    def _contents(self) -> tuple[np.ndarray, np.ndarray]:
        """Every stored ``(ids, vectors)`` of a flat start or of an inverted file of full vectors."""
        if not self._is_ivf:
            ids = self.ids()
            return ids, faiss.downcast_index(self.index.index).reconstruct_n(0, len(ids))
        parts = [get_invlist(self.index.invlists, i) for i in range(self.index.nlist)]
        ids = np.concatenate([found for found, _ in parts]).astype(np.int64)
        codes = np.concatenate([codes for _, codes in parts])
        return ids, np.ascontiguousarray(codes).view(np.float32).reshape(len(ids), self.dim)

    def _train_ivf(self) -> None:
        """Train an inverted file of sqrt(n) lists over every stored vector (a flat start or smaller lists)."""
        ids, vectors = self._contents()
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

    def _train_ivfpq(self) -> None:
        """Replace the flat start of an ``ivfpq`` store by trained PQ codes; the full vectors go to disk."""
        assert self.raw is not None
        ids = self.ids()
        vectors = faiss.downcast_index(self.index.index).reconstruct_n(0, len(ids))
        nlist = max(_PQ_MIN_LISTS, int(np.sqrt(len(ids))))  # trained once: sized for the millions to come
        quantizer = faiss.IndexFlatIP(self.dim)
        ivf = faiss.IndexIVFPQ(quantizer, self.dim, nlist, _pq_m(self.dim), 8, faiss.METRIC_INNER_PRODUCT)
        ivf.pq.cp.niter = _PQ_TRAIN_ITERATIONS
        sample = np.random.default_rng(0).choice(len(ids), min(len(ids), max(nlist * _IVF_TRAIN_PER_LIST,
                                                                              256 * 64)), replace=False)
        ivf.train(vectors[np.sort(sample)])
        ivf.add_with_ids(vectors, ids)
        ivf.nprobe = _PQ_NPROBE
        self.raw.reset()
        self.raw.append(ids, vectors)
        self.index = ivf

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ``ids`` (the caller never re-adds a live id)."""
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, np.int64)
            )
            if self.raw is not None and self._is_ivf:
                self.raw.append(ids, vectors)
        if self.kind == "ivf" and (
            len(self) > _IVF_REGROW * self.index.nlist**2 if self._is_ivf else len(self) >= IVF_MIN
        ):  # train the flat start, or retrain lists the collection has outgrown
            self._train_ivf()
        if self.kind == "ivfpq" and not self._is_ivf and len(self) >= IVFPQ_MIN:
            self._train_ivfpq()

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
        if self.raw is not None:
            self.raw.reset()
        self.add(live_ids, vectors)

    def get(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (exact: an ``ivfpq`` store reads its full vectors from disk)."""
        if self.raw is not None and self._is_ivf:
            return self.raw.get(np.asarray(ids, np.int64))
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
        compressed = self.raw is not None and self._is_ivf
        fetch = min(len(self), k + max(k, _PQ_RERANK)) if compressed else k
        nprobe = _PQ_NPROBE if compressed else _IVF_NPROBE
        if allowed is not None and self.kind != "hnsw":
            selector = faiss.IDSelectorBatch(np.asarray(allowed, np.int64))
            params = (
                faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
                if self._is_ivf
                else faiss.SearchParameters(sel=selector)
            )
            scores, ids = self.index.search(queries, fetch, params=params)
        else:
            scores, ids = self.index.search(queries, fetch)
        return self._rescore(queries, ids, k) if compressed else (scores, ids)

    def _rescore(self, queries: np.ndarray, candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact inner products of the PQ candidates, best ``k`` first (``-1`` pads, like FAISS)."""
        assert self.raw is not None
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, (query, found) in enumerate(zip(queries, candidates, strict=True)):
            found = found[found >= 0]
            if not len(found):
                continue
            exact = self.raw.get(found) @ query
            best = np.argsort(-exact, kind="stable")[:k]
            scores[row, : len(best)] = exact[best]
            ids[row, : len(best)] = found[best]
        return scores, ids

    def memory_bytes(self) -> int:
        """Bytes the index keeps in memory (FAISS structures, plus the id table of an ``ivfpq`` store)."""
        faiss_bytes = int(faiss.serialize_index(self.index).nbytes)
        return faiss_bytes + (self.raw.memory_bytes() if self.raw is not None else 0)

    def save(self) -> None:
        """Write atomically (temp file, then rename)."""
        if self.path is None:
            return
        if self.raw is not None:
            self.raw.save()
        tmp = self.path.with_suffix(".tmp")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, self.path)
