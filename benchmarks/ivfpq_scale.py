"""The compressed vector index (``ivfpq``) at 1M vectors: memory, recall against exact, latency with full text.

    nice -n 10 python benchmarks/ivfpq_scale.py [--size 1000000] [--write]

Vectors and queries as in benchmarks/search_scale.py (low intrinsic dimension, like sentence
embeddings; 384-d). Exact top-10 by brute force over the same vectors is the baseline for recall and
for memory (float32 vectors + ids, what ``flat`` and ``ivf`` keep in memory). Latency = ivfpq dense
search (k = 10, candidates re-scored exactly from the memory-mapped vector file) + tantivy BM25 over
the same number of generated passages, one query at a time.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from extraction import replace_section  # noqa: E402
from search_scale import DIM, _fill_fulltext, _percentiles, _rss_mb, _texts, _vectors  # noqa: E402

from ingest.pipeline import extract_file  # noqa: E402
from ingest.registry import Registry  # noqa: E402
from kg.text import fold  # noqa: E402
from search.fulltext import FullText  # noqa: E402
from search.vectors import VectorStore, tune_faiss  # noqa: E402

SECTION = "### Compressed vectors (ivfpq)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    tune_faiss()
    n = args.size
    rng = np.random.default_rng(7)
    queries = [q["query"] for q in json.loads((ROOT / "data/eval/search_queries.json").read_text())["queries"]]
    queries += [fold(q) for q in queries]
    query_vectors = _vectors(len(queries), rng)
    vectors = _vectors(n, rng)
    ids = np.arange(n, dtype=np.int64) << 6  # passage id << 6 | piece, as the search index numbers them

    exact = np.argpartition(-(query_vectors @ vectors.T), 10, axis=1)[:, :10]
    with tempfile.TemporaryDirectory() as tmp:
        store = VectorStore(Path(tmp) / "vectors.faiss", DIM, "ivfpq")
        started = time.perf_counter()
        for start in range(0, n, 100_000):  # trains on the first 100,000, then encodes the rest
            store.add(ids[start : start + 100_000], vectors[start : start + 100_000])
        store.save()
        build = time.perf_counter() - started
        del vectors
        memory = store.memory_bytes()
        reopened = VectorStore(Path(tmp) / "vectors.faiss", DIM, "ivfpq")  # as the server opens it

        registry = Registry.load(ROOT / "data" / "central_documents.json")
        provisions = [p["text"] for f in sorted((ROOT / "data" / "seeds").glob("*.txt"))
                      for p in extract_file(f, registry)["provisions"]]
        fulltext = FullText(Path(tmp) / "fulltext")
        started = time.perf_counter()
        _fill_fulltext(fulltext, _texts(provisions, n, random.Random(n)))
        fulltext_build = time.perf_counter() - started

        dense_ms, both_ms, recalls, cpu_ms = [], [], [], []
        for query, vector in zip(queries, query_vectors, strict=True):
            t0, c0 = time.perf_counter(), time.process_time()
            _, found = reopened.search(vector.reshape(1, -1), 10)
            t1 = time.perf_counter()
            cpu_ms.append((time.process_time() - c0) * 1000)
            fulltext.search(query, 100)
            t2 = time.perf_counter()
            dense_ms.append((t1 - t0) * 1000)
            both_ms.append((t2 - t0) * 1000)
            recalls.append(len(set((found[0] >> 6).tolist()) & set(exact[len(recalls)].tolist())) / 10)
    flat_bytes = n * (DIM * 4 + 8)
    d50, d95 = _percentiles(dense_ms)
    b50, b95 = _percentiles(both_ms)
    c50, c95 = _percentiles(cpu_ms)
    recall = float(np.mean(recalls))
    lines = [
        SECTION,
        "",
        f"`nice -n 10 python benchmarks/ivfpq_scale.py --write` ({n:,} vectors of 384 dimensions, "
        f"{len(queries)} queries one at a time, on this shared 2-core machine):",
        "",
        "| | ivfpq | exact float32 (flat / ivf) | ratio |",
        "|---|---:|---:|---:|",
        f"| bytes per vector in memory | {memory / n:.1f} | {flat_bytes / n:.0f} | "
        f"{flat_bytes / memory:.0f}× less |",
        f"| recall@10 against exact | {recall:.3f} | 1.000 | {recall:.3f} |",
        f"| dense p50 / p95 ms | {d50:.1f} / {d95:.1f} | | |",
        f"| dense + full text p50 / p95 ms | {b50:.1f} / {b95:.1f} | | |",
        f"| dense CPU time p50 / p95 ms (all threads) | {c50:.1f} / {c95:.1f} | | |",
        "",
        f"Build: {build:.0f} s for the vectors (IVF with {reopened.index.nlist} lists and 32-byte PQ codes "
        f"trained on the first 100,000, the rest encoded), {fulltext_build:.0f} s for the full text. "
        f"Peak RSS of the whole run {_rss_mb():,.0f} MB (the generated float32 vectors alone are "
        f"{flat_bytes / 2**20:,.0f} MB). The exact vectors stay on disk ({n * DIM * 4 / 2**20:,.0f} MB, "
        f"memory-mapped); each query re-scores its 210 best PQ candidates from them.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        replace_section(ROOT / "docs" / "benchmarks.md", SECTION, report)


if __name__ == "__main__":
    main()
