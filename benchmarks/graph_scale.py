"""The graph store at a million documents: load, size on disk, memory, product queries, one more ingest.

    nice -n 10 python benchmarks/graph_scale.py [--sizes 100000,1000000] [--budget-s 1200] [--write]

The corpus is benchmarks/graph_store.py's (central directives with homonyms, province plans,
district plans, commune reports; about 44 quads per document). Each size is loaded into a fresh
on-disk Oxigraph store by a child process of its own (so peak memory is its own) and queried with
the product's code: ``kg implements`` (kg.cascade.implementers) for 20 directives (p50 / p95), the
hierarchy picture around one directive (api.queries.hierarchy, as the /hierarchy page asks), a
group-by, and the transactional write of one more document (kg.store.write_document). The first
size is the baseline of the ratios. A size that does not finish within the budget is reported as
such; larger ones are not tried.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from extraction import replace_section  # noqa: E402
from graph_store import BASE, DIRECTIVES, QUERIES, _templates, directive_key, make_doc, write_corpus  # noqa: E402

SECTION = "## Graph store at a million documents"


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _ms(fn) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


def measure(nquads: Path, docs: int) -> dict:
    """Load and query one store (runs in a child process)."""
    from pyoxigraph import RdfFormat, Store

    from api.queries import hierarchy
    from kg import cascade
    from kg.identity import document_iri
    from kg.store import write_document
    from kg.vocab import sparql_prefixes

    folder = Path(tempfile.mkdtemp(prefix="kg-graph-scale-"))
    store = Store(str(folder))
    started = time.perf_counter()
    store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
    store.optimize()
    out: dict = {"docs": docs, "load_s": time.perf_counter() - started, "quads": len(store)}
    store.flush()
    out["disk_mb"] = _du(folder) / 2**20
    targets = [document_iri(BASE, directive_key(j), "tw") for j in range(3, DIRECTIVES, DIRECTIVES // 20)][:20]
    times, sizes = [], []
    for target in targets:
        ms, answer = _ms(lambda t=target: cascade.implementers(store, BASE, t))
        times.append(ms)
        sizes.append(len(answer["documents"]))  # type: ignore[index]
    ordered = sorted(times)
    out["implements_p50_ms"] = statistics.median(ordered)
    out["implements_p95_ms"] = ordered[int(0.95 * (len(ordered) - 1))]
    out["cascade_mean"] = statistics.mean(sizes)
    busiest = targets[sizes.index(max(sizes))]  # the directive with the largest cascade
    try:
        out["hierarchy_ms"], picture = _ms(lambda: hierarchy(store, BASE, root=busiest, depth=3,
                                                             organizations=False))
        out["hierarchy_nodes"] = len(picture["nodes"])  # type: ignore[index]
    except KeyError:  # a store too small for any of the 20 directives to have a cascade
        out["hierarchy_ms"], out["hierarchy_nodes"] = float("nan"), 0
    prefixes = sparql_prefixes(BASE)
    out["group_by_ms"], _ = _ms(lambda: list(store.query(prefixes + QUERIES["group_by"],
                                                         use_default_graph_as_union=True)))
    templates = [t for t in _templates() if t["provisions"]]
    doc = make_doc(docs + 1, templates[0], random.Random(1))
    doc["source"]["sha256"] = f"{docs + 1:064x}"
    out["one_more_ingest_ms"], _ = _ms(lambda: write_document(store, BASE, doc, path=f"/bench/{docs + 1}.txt",
                                                              extractor_version="bench"))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _run_size(docs: int, folder: Path, budget_s: float) -> dict | None:
    nquads = folder / f"{docs}.nq"
    started = time.perf_counter()
    write_corpus(docs, nquads)
    generate_s = time.perf_counter() - started
    try:
        child = subprocess.run([sys.executable, __file__, "--child", str(docs), str(nquads)], check=True,
                               capture_output=True, text=True, timeout=budget_s)
    except subprocess.TimeoutExpired:
        return None
    finally:
        nquads.unlink()
    result = json.loads(child.stdout)
    result["generate_s"] = generate_s
    return result


def _section(results: list[dict], unfinished: int | None, budget_s: float) -> str:
    base = results[0]
    rows = [("load (s)", "load_s", "{:.0f}"), ("store on disk (MB)", "disk_mb", "{:,.0f}"),
            ("peak memory of the loading process (MB)", "peak_rss_mb", "{:,.0f}"),
            ("`kg implements` p50 ms (product BFS, 20 directives)", "implements_p50_ms", "{:.1f}"),
            ("`kg implements` p95 ms", "implements_p95_ms", "{:.1f}"),
            ("hierarchy picture around one directive (ms)", "hierarchy_ms", "{:,.0f}"),
            ("group-by count (ms)", "group_by_ms", "{:,.0f}"),
            ("one more document's transactional write (ms)", "one_more_ingest_ms", "{:.1f}")]
    header = " | ".join(f"{r['docs']:,} docs ({r['quads']:,} quads)" for r in results)
    lines = [SECTION, "",
             "`nice -n 10 python benchmarks/graph_scale.py --write` on this shared 2-core machine (other "
             "engineers' jobs running): the graph_store corpus, bulk-loaded into an on-disk Oxigraph store, "
             f"queried with the product's code. Ratios against the {base['docs']:,}-document store of the "
             "same run.", "",
             f"| | {header} | ratio {results[-1]['docs']:,} / {base['docs']:,} |",
             "|---|" + "---:|" * (len(results) + 1)]
    for label, key, fmt in rows:
        cells = " | ".join(fmt.format(r[key]) for r in results)
        ratio = results[-1][key] / base[key] if base[key] else float("nan")
        lines.append(f"| {label} | {cells} | {ratio:.1f}× |")
    lines += ["", "Mean cascade size of the 20 directives: " +
              ", ".join(f"{r['cascade_mean']:.0f} at {r['docs']:,}" for r in results) +
              "; the hierarchy picture's focused graph: " +
              ", ".join(f"{r['hierarchy_nodes']} nodes at {r['docs']:,}" for r in results) + "."]
    if unfinished:
        lines.append(f"{unfinished:,} documents did not finish within the {budget_s / 60:.0f}-minute budget "
                     f"on this shared machine; see docs/scale.md for the extrapolation.")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--budget-s", type=float, default=1200)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child[1]), int(args.child[0]))))
        return
    results, unfinished = [], None
    with tempfile.TemporaryDirectory(prefix="graph-scale-") as tmp:
        for docs in (int(s) for s in args.sizes.split(",")):
            result = _run_size(docs, Path(tmp), args.budget_s)
            if result is None:
                unfinished = docs
                break
            results.append(result)
            print(json.dumps(result), flush=True)
    report = _section(results, unfinished, args.budget_s)
    print(report)
    if args.write:
        replace_section(ROOT / "docs" / "benchmarks.md", SECTION, report)


if __name__ == "__main__":
    main()
