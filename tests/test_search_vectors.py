"""The FAISS vector store: flat, IVF (trained once it is large enough) and HNSW (tombstones)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search.vectors import IVF_MIN, VectorStore

DIM = 32


def _data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.arange(1000, 1000 + n, dtype=np.int64), vectors


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_store_adds_finds_removes_and_persists(kind: str, tmp_path: Path) -> None:
    ids, vectors = _data(IVF_MIN if kind == "ivf" else 2000)
    store = VectorStore(tmp_path / "v.faiss", DIM, kind)
    store.add(ids, vectors)
    assert (kind == "ivf") == (not hasattr(store.index, "id_map"))  # the IVF trained itself
    assert sorted(store.ids().tolist()) == ids.tolist()
    _, top = store.search(vectors[:5], 1)
    assert top[:, 0].tolist() == ids[:5].tolist()
    assert np.allclose(store.get(ids[7:9]), vectors[7:9], atol=1e-6)
    allowed = ids[100:110]
    _, filtered = store.search(vectors[:1], 3, allowed=allowed if kind != "hnsw" else None)
    if kind != "hnsw":
        assert set(filtered[0].tolist()) - {-1} <= set(allowed.tolist())  # IVF: only probed lists
    live = ids[len(ids) // 2 :]
    store.remove(ids[: len(ids) // 2], live=live)
    if kind == "hnsw":  # half dead: rebuilt from the live vectors
        assert len(store) == len(live)
    assert sorted(store.ids().tolist()) == live.tolist()
    store.save()
    reopened = VectorStore(tmp_path / "v.faiss", DIM, kind)
    assert len(reopened) == len(live)
    _, top = reopened.search(vectors[-3:], 1)
    assert top[:, 0].tolist() == ids[-3:].tolist()
