"""Writes while searching: how long a write holds searches back, and what searches see meanwhile.

The search index of the four sample documents (real extraction, the bundled e5 model, one OpenMP
thread per embedder session as under ``kg serve``) answers 4 searching threads for ``--seconds``
without writes (the baseline, same run), then again while the main thread keeps re-indexing a
changed copy of a sample document (its provisions reworded, so each write embeds them afresh).
Figures: the whole write, the longest time it held searches back (``SearchIndex.longest_swap_s``),
and search latency with and without writes. Written to the "## Writes while searching" section of
docs/benchmarks.md.

    python benchmarks/write_swap.py [--seconds 20] [--no-write]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import DEFAULT_BASE_IRI  # noqa: E402
from benchmarks.http_load import write_section  # noqa: E402
from ingest.pipeline import extract_file  # noqa: E402
from ingest.registry import Registry  # noqa: E402
from search.embedders import make_embedder  # noqa: E402
from search.index import SearchIndex  # noqa: E402

SECTION = "## Writes while searching"
READERS = 4
QUERIES = ["kinh phí thực hiện", "tổ chức học tập quán triệt", "chuyen doi so", "báo cáo kết quả", "tuyên truyền",
           "kiểm tra giám sát", "thời hạn gửi báo cáo sơ kết", "phân công nhiệm vụ"]


def _searches(index: SearchIndex, seconds: float, start: int) -> list[float]:
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    def reader(r: int) -> None:
        i = start + r
        while time.monotonic() < stop:
            t = time.perf_counter()
            index.search(f"{QUERIES[i % len(QUERIES)]} {i // len(QUERIES)}", k=10)
            latencies.append((time.perf_counter() - t) * 1000)
            i += READERS

    threads = [threading.Thread(target=reader, args=(r,)) for r in range(READERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-write", action="store_true", help="print, do not touch docs/benchmarks.md")
    args = parser.parse_args()
    registry = Registry.load(ROOT / "data" / "central_documents.json")
    docs = [extract_file(p, registry) for p in sorted((ROOT / "data" / "seeds").glob("*.txt"))]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        index = SearchIndex(Path(tmp) / "index", lambda: make_embedder("e5", threads=1), DEFAULT_BASE_IRI,
                            threads=2)
        with index.bulk():
            for doc in docs:
                index.add_document(doc)
        index.search("khởi động")
        quiet = _searches(index, args.seconds, 0)
        index.longest_swap_s = 0.0
        writes: list[float] = []
        stop = threading.Event()

        def writer() -> None:
            n = 0
            while not stop.is_set():
                doc = copy.deepcopy(docs[0])
                doc["key"], doc["source"]["path"] = f"{900 + n % 50}-KH/X@2024", f"/bench/{n % 50}.txt"
                for p in doc["provisions"]:
                    p["text"] = f"{p['text']} (bản sửa {n})"
                t = time.perf_counter()
                index.add_document(doc)
                writes.append((time.perf_counter() - t) * 1000)
                n += 1

        thread = threading.Thread(target=writer)
        thread.start()
        busy = _searches(index, args.seconds, 100_000)
        stop.set()
        thread.join()
        swap_ms = index.longest_swap_s * 1000
        index.close()
    provisions = len(docs[0]["provisions"])
    p95 = lambda xs: float(np.percentile(xs, 95))  # noqa: E731
    lines = [
        SECTION, "",
        f"`python benchmarks/write_swap.py` — {READERS} threads searching the index of the 4 sample documents "
        f"for {args.seconds:g} s, first alone (baseline, same run), then while another thread keeps re-indexing a "
        f"reworded copy of a sample document ({provisions} provisions embedded per write). {os.cpu_count()} cores "
        f"shared with other jobs (load average at the start: {load}).", "",
        "| | searches | search p50 ms | search p95 ms |",
        "|---|---:|---:|---:|",
        f"| no writes (baseline) | {len(quiet)} | {statistics.median(quiet):.1f} | {p95(quiet):.1f} |",
        f"| during writes ({len(writes)} completed) | {len(busy)} | {statistics.median(busy):.1f} | {p95(busy):.1f} |", "",
        f"A write took {statistics.median(writes):.0f} ms (median; p95 {p95(writes):.0f} ms), embedding included; "
        f"it held searches back for at most {swap_ms:.1f} ms ({swap_ms / statistics.median(writes) * 100:.1f}% of "
        "a median write): the catalog transaction, the full-text commit and the vector insert. Searches during "
        "writes are slower mostly because the write's embedding takes CPU from them (2 cores).", "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
