"""BM25 with query-time pruning of very common terms: speed at scale and what it does to quality.

    python benchmarks/bm25_pruning.py [--size 200000] [--index DIR]

Quality: the seed provisions and the labelled queries of data/eval/, inside ``--size`` generated
distractor passages (syllable chains from the seeds' own text, as in benchmarks/search_scale.py);
BM25 alone, recall@5 and MRR@10, with terms found in more than a share of the passages left out of
the query. Speed: with ``--index``, the same queries' BM25 time on a kept full-text index (e.g. the
1M-passage index ``benchmarks/reuse.py --cost --workdir`` leaves behind). Figures: docs/benchmarks.md
"Search cost" (not written automatically).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import tantivy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from search_scale import _texts  # noqa: E402

from ingest.pipeline import extract_file  # noqa: E402
from ingest.registry import Registry  # noqa: E402
from search import fulltext as fulltext_module  # noqa: E402
from search.embedders import E5Embedder  # noqa: E402
from search.evaluate import load_queries, relevant_ids  # noqa: E402
from search.index import SearchIndex  # noqa: E402

CUTS = (None, 0.2, 0.1, 0.05)


def pruned_query(full: fulltext_module.FullText, searcher: tantivy.Searcher, text: str, cut: float | None) -> tantivy.Query:
    """The product's full-text query, without the terms found in more than ``cut`` of the passages."""
    terms = full.query_terms(text)
    if cut is not None:
        terms = [(f, t) for f, t in terms if searcher.doc_freq(f, t) <= cut * searcher.num_docs]
    return full.boolean_query(terms)


def run(full: fulltext_module.FullText, queries: list[dict], relevant: dict[str, set[int]] | None) -> None:
    searcher = full.index.searcher()
    for cut in CUTS:
        recalls, rrs, times = [], [], []
        for q in queries:
            started = time.perf_counter()
            hits = searcher.search(pruned_query(full, searcher, q["query"], cut), 100, count=False).hits
            ids = searcher.fast_field_values("id", [address for _, address in hits])
            times.append((time.perf_counter() - started) * 1000)
            if relevant is not None:
                wanted = relevant[q["id"]]
                recalls.append(len(wanted & set(ids[:5])) / len(wanted))
                rrs.append(next((1 / r for r, i in enumerate(ids[:10], 1) if i in wanted), 0.0))
        quality = f"recall@5 {statistics.mean(recalls):.3f}, MRR@10 {statistics.mean(rrs):.3f}, " if recalls else ""
        print(f"{searcher.num_docs:,} passages, cut {cut}: {quality}BM25 p50 {statistics.median(times):.2f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--index", type=Path, help="a kept search index folder (its fulltext/ is timed)")
    args = parser.parse_args()
    queries = load_queries(ROOT / "data" / "eval" / "search_queries.json")
    if args.index:
        run(fulltext_module.FullText(args.index / "fulltext"), queries, None)
        return
    registry = Registry.load(ROOT / "data" / "central_documents.json")
    docs = [extract_file(p, registry) for p in sorted((ROOT / "data" / "seeds").glob("*.txt"))]
    with tempfile.TemporaryDirectory() as tmp:
        seeds = SearchIndex(Path(tmp) / "seeds", E5Embedder(), "https://w3id.org/vnkg/")
        with seeds.bulk():
            for doc in docs:
                seeds.add_document(doc)
        rows = [row for batch in seeds.catalog.fulltext_rows() for row in batch]
        relevant = {q["id"]: relevant_ids(seeds, q["relevant"]) for q in queries}
        full = fulltext_module.FullText(Path(tmp) / "big")
        distractors = _texts([text for _, text, _ in rows], args.size, random.Random(args.size))
        first = 1 + max(ident for ident, _, _ in rows)
        for start in range(0, args.size, 10_000):
            full.add((first + start + i, text, "kế hoạch") for i, text in enumerate(distractors[start : start + 10_000]))
        full.add(rows)
        full.commit()
        full.index.reload()
        run(full, queries, relevant)


if __name__ == "__main__":
    main()
