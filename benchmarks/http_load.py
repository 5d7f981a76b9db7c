"""HTTP load test: 1 and 8 concurrent clients against ``kg serve``, on three corpora.

Corpora: the sample corpus (``data/seeds``, real ingest), a generated corpus of 10k documents
(the graph benchmark's generator, ``benchmarks/graph_store.py``: province plans implementing
central directives, district plans and commune reports below them, two provisions each) with its
search index, and a generated graph of 100k documents without a search index (bulk-loaded N-Quads,
for ``implements`` and SPARQL at scale). The generated provisions repeat a few template texts, so
their e5 vectors are computed once per text (a memoizing wrapper around the real embedder) — the
index still holds one vector per provision.

Each workload runs against the real server (uvicorn in its own process, ``kg serve``) with one
client, then with 8 concurrent clients (the 8/1 ratio is how far parallel requests scale on this
machine), and against its baseline measured in the same run: the same function called in-process
by one client (``implements`` in-process recomputes the cascade, the server caches it per
directive until the next write). Figures go to the "## HTTP" section of docs/benchmarks.md.

    python benchmarks/http_load.py                      # full run (20 s per workload and client count)
    python benchmarks/http_load.py --seconds 5 --docs 500 --big 2000 --no-write   # quick check
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.corpus import Corpus  # noqa: E402
from api.settings import Settings  # noqa: E402
from benchmarks.graph_store import _templates, make_doc, write_corpus  # noqa: E402
from kg import cascade  # noqa: E402
from kg.store import write_document  # noqa: E402
from search.embedders import make_embedder  # noqa: E402
from search.index import SearchIndex  # noqa: E402

SECTION = "## HTTP"
CLIENTS = 8
SEARCHES = ["kinh phí thực hiện", "tổ chức học tập quán triệt", "chuyen doi so", "báo cáo kết quả",
            "tuyên truyền", "kiểm tra giám sát"]


class CachedEmbedder:
    """The real embedder, computing each distinct text once (generated provisions repeat)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.id = inner.id
        self.dim = inner.dim
        self._cache: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self.inner.embed_passages(missing), strict=True):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


def build_sample(home: Path) -> tuple[list[str], str]:
    """Ingest data/seeds for real; index the provisions if the ingest did not."""
    corpus = Corpus(Settings.load(home, embedder_threads=1))  # as `kg serve` embeds (one thread per session)
    docs = [event.doc for event in corpus.ingest([ROOT / "data" / "seeds"]) if event.doc]
    if len(corpus.search) == 0:
        with corpus.search.bulk() as index:
            for doc in docs:
                index.add_document(doc)
    corpus.search.close()
    return ["Chỉ thị 23", "Kết luận 01", "Chỉ thị 05"], "Chỉ thị 23"


def build_generated(home: Path, n: int) -> tuple[list[str], str]:
    """Write ``n`` generated documents into the store and the search index."""
    settings = Settings.load(home)
    corpus = Corpus(settings)
    corpus.prepare_graph()
    rng = random.Random(7)
    templates = [t for t in _templates() if t["provisions"]]
    index = SearchIndex(settings.index_path, CachedEmbedder(make_embedder(settings.embedder)), settings.base_iri)
    with index.bulk():
        for i in range(n):
            doc = make_doc(i, templates[i % len(templates)], rng)
            write_document(corpus.store, settings.base_iri, doc, path=doc["source"]["path"], extractor_version="bench")
            index.add_document(doc)
    index.close()
    directives = [r["d"] for r in corpus.store.query(
        "SELECT ?d (COUNT(?x) AS ?n) WHERE { ?x <https://w3id.org/vnkg/ontology#implements> ?k . "
        "?k <https://w3id.org/vnkg/ontology#key> ?d } GROUP BY ?d ORDER BY DESC(?n) LIMIT 3",
        use_default_graph_as_union=True)]
    refs = [d.value for d in directives]
    return refs, refs[0]


def build_big(home: Path, n: int) -> tuple[list[str], str]:
    """A store of ``n`` generated documents bulk-loaded from N-Quads (no search index)."""
    from pyoxigraph import RdfFormat

    nquads = home.parent / f"{home.name}.nq"
    home.mkdir(parents=True)
    write_corpus(n, nquads)
    corpus = Corpus(Settings.load(home))
    corpus.store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
    corpus.prepare_graph()
    nquads.unlink()
    directives = [r["d"] for r in corpus.store.query(
        "SELECT ?d (COUNT(?x) AS ?n) WHERE { ?x <https://w3id.org/vnkg/ontology#implements> ?k . "
        "?k <https://w3id.org/vnkg/ontology#key> ?d } GROUP BY ?d ORDER BY DESC(?n) LIMIT 3",
        use_default_graph_as_union=True)]
    return [d.value for d in directives], directives[0].value


@dataclass
class Figures:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        return float(np.percentile(self.latencies_ms, 95))


def _search_text(i: int) -> str:
    """Query ``i``: every one distinct (the server keeps the vectors of recent queries), like users' queries."""
    return f"{SEARCHES[i % len(SEARCHES)]} {i // len(SEARCHES)}"


async def _load(url: str, make_params: Callable[[int], dict[str, str]], seconds: float, clients: int,
                offset: int = 0) -> Figures:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def client(c: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=60) as http:
            i = offset + c
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = await http.get(url, params=make_params(i))
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 200
                i += clients

    started = time.monotonic()
    await asyncio.gather(*(client(c) for c in range(clients)))
    return Figures(len(latencies), errors, time.monotonic() - started, latencies)


def _direct(fn: Callable[[int], Any], seconds: float) -> Figures:
    latencies: list[float] = []
    fn(0)  # warm up (the embedder loads on first use), as the server is before its run
    stop = time.monotonic() + seconds
    started = time.monotonic()
    i = 0
    while time.monotonic() < stop:
        t = time.perf_counter()
        fn(i)
        latencies.append((time.perf_counter() - t) * 1000)
        i += 1
    return Figures(len(latencies), 0, time.monotonic() - started, latencies)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(home: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    kg = Path(sys.executable).parent / "kg"
    process = subprocess.Popen([str(kg), "--home", str(home), "serve", "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/health", timeout=5).json()["sparql_workers_ready"] >= 1:
                httpx.get(url + "/api/search", params={"q": "khởi động"}, timeout=120)  # load the embedder once
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start: " + (process.stderr.read() or b"").decode()[-2000:])


def _implements_sparql(key: str) -> str:
    return ("PREFIX vnkg: <https://w3id.org/vnkg/ontology#> PREFIX eli: <http://data.europa.eu/eli/ontology#> "
            f'SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?d vnkg:key "{key}" . '
            "?x (vnkg:implements|vnkg:implementsPartly|eli:based_on)+ ?d }")


SEARCH, IMPLEMENTS, SPARQL = "search (hybrid, k=10)", "implements (cascade)", "SPARQL property path"


def _baselines(home: Path, refs: list[str], seconds: float, with_search: bool) -> tuple[list[str], dict[str, Figures]]:
    """Document keys of ``refs`` and the in-process figures (the store is closed on return)."""
    corpus = Corpus(Settings.load(home, embedder_threads=1))
    base = corpus.settings.base_iri
    keys = [cascade.resolve(corpus.store, base, r).chosen.key for r in refs]
    direct = {
        IMPLEMENTS: lambda i: cascade.implements(corpus.store, base, refs[i % len(refs)]),
        SPARQL: lambda i: list(corpus.store.query(_implements_sparql(keys[i % len(keys)]),
                                                  use_default_graph_as_union=True)),
    }
    if with_search:
        direct[SEARCH] = lambda i: corpus.search.search(_search_text(i), k=10).as_json()
    figures = {label: _direct(fn, min(seconds, 10)) for label, fn in direct.items()}
    if with_search:
        corpus.search.close()
    return keys, figures


def measure(name: str, home: Path, refs: list[str], seconds: float, with_search: bool = True) -> list[dict[str, Any]]:
    """Each workload over HTTP (1 client, then 8) and in-process (1 client), for one corpus."""
    keys, baselines = _baselines(home, refs, seconds, with_search)
    gc.collect()  # release the store's lock for the server
    rows = [
        (SEARCH, "/api/search", lambda i: {"q": _search_text(i)}),
        (IMPLEMENTS, "/api/implements", lambda i: {"ref": refs[i % len(refs)]}),
        (SPARQL, "/sparql", lambda i: {"query": _implements_sparql(keys[i % len(keys)])}),
    ]
    process, url = _serve(home)
    try:
        out = []
        for label, path, params in rows:
            if label not in baselines:
                continue
            one = asyncio.run(_load(url + path, params, seconds, 1))
            many = asyncio.run(_load(url + path, params, seconds, CLIENTS, offset=1_000_000))
            out.append({"corpus": name, "workload": label, "one": one, "http": many, "direct": baselines[label]})
            print(f"{name:10} {label:24} 1 client {one.rps:7.1f} req/s | {CLIENTS} clients {many.rps:7.1f} req/s "
                  f"p95 {many.p95:7.1f} ms errors {one.errors + many.errors} | direct {baselines[label].rps:7.1f}/s",
                  flush=True)
        return out
    finally:
        process.terminate()
        process.wait(timeout=30)


def _section(results: list[dict[str, Any]], docs: int, big: int, seconds: float, load: str) -> str:
    lines = [
        SECTION, "",
        f"`python benchmarks/http_load.py` — 1 client, then {CLIENTS} concurrent clients, for {seconds:g} s each per "
        f"workload against `kg serve` (uvicorn, its own process; SPARQL in 2 worker processes), on "
        f"{platform.machine()} with {os.cpu_count()} cores shared with the load generator (load average at the "
        f"start: {load}). Baseline, measured in the same run: the same call in-process, one client at a time (no "
        f"HTTP). Corpora: the 4 sample documents (real ingest), {docs:,} generated documents with their search "
        f"index, and {big:,} generated documents (graph only) — `benchmarks/graph_store.py`'s generator, two "
        "provisions each.", "",
        f"| corpus | workload | 1 client req/s | {CLIENTS} clients req/s | {CLIENTS} / 1 clients | {CLIENTS} clients "
        f"p50 ms | {CLIENTS} clients p95 ms | errors | in-process calls/s | in-process p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        one, http, direct = r["one"], r["http"], r["direct"]
        lines.append(f"| {r['corpus']} | {r['workload']} | {one.rps:.1f} | {http.rps:.1f} | {http.rps / one.rps:.2f}× "
                     f"| {http.p50:.1f} | {http.p95:.1f} | {one.errors + http.errors} | {direct.rps:.1f} | "
                     f"{direct.p95:.1f} |")
    lines += ["", "Searches run in parallel (per-thread read-only catalog connections, one embedder session per "
              "core, FAISS and tantivy searched concurrently; a write holds readers back only while it applies a "
              "document). `implements` over HTTP answers from the cascade cached per directive (dropped by every "
              "write); in-process it recomputes the cascade each call. SPARQL runs in 2 worker processes.", ""]
    return "\n".join(lines)


def write_section(text: str, section: str = SECTION) -> None:
    """Replace (or append) ``section`` of docs/benchmarks.md by ``text``."""
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = current.find(section + "\n")
    if start < 0:
        current = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + len(section))
        current = current[:start] + text + (current[end + 1:] if end >= 0 else "")
    path.write_text(current.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000, help="documents of the graph-only corpus")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch docs/benchmarks.md")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        sample, generated, big = Path(tmp) / "sample", Path(tmp) / "generated", Path(tmp) / "big"
        sample_refs, _ = build_sample(sample)
        started = time.monotonic()
        generated_refs, _ = build_generated(generated, args.docs)
        print(f"generated {args.docs} documents in {time.monotonic() - started:.0f} s", flush=True)
        results = measure("sample", sample, sample_refs, args.seconds)
        results += measure(f"{args.docs / 1000:g}k generated", generated, generated_refs, args.seconds)
        shutil.rmtree(generated)
        started = time.monotonic()
        big_refs, _ = build_big(big, args.big)
        print(f"bulk-loaded {args.big} documents in {time.monotonic() - started:.0f} s", flush=True)
        results += measure(f"{args.big / 1000:g}k generated (graph only)", big, big_refs, args.seconds,
                           with_search=False)
    text = _section(results, args.docs, args.big, args.seconds, load)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
