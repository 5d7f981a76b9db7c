"""Generate a 500-document cascade, store it, and draw it: readability and timings of `kg graph`.

    python benchmarks/hierarchy_500.py [--out docs/img/hierarchy-500.png] [--html FILE]

Documents are written through kg.mapping / kg.store like `kg ingest` writes extracted files:
12 central directives; per directive 4 province plans (6 provinces); per province plan its
district plans (5 districts a province); per district plan 1-2 commune reports; each plan also
cites a few others. Cited-only nodes appear where plans cite directives not in the corpus.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from api import graph_export
from kg import hierarchy as h
from kg import store as graph_store
from kg.picture import draw

BASE = "https://w3id.org/vnkg/"
REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Hierarchy picture"


def _doc(number: str, year: int, day: str, org: str, parent: str | None, based_on: list[str],
         implements: list[str], refs: list[dict[str, Any]], title: str) -> dict[str, Any]:
    key = f"{number}@{year}"
    return {"source": {"path": f"/gen/{key.replace('/', '_')}.txt", "sha256": key, "format": "txt"},
            "number": number, "doc_type": "Kế hoạch" if "-KH/" in number else "Báo cáo",
            "doc_type_code": "KH" if "-KH/" in number else "BC",
            "issuer": {"name": f"Ban Thường vụ {org}", "org": org, "parent": parent}, "place": None,
            "date": f"{year}-{day}", "title": title, "signer": None, "key": key, "based_on": based_on,
            "implements": implements, "implements_partly": [], "references": refs,
            "relations_between_references": [], "provisions": [], "tasks": [], "recipients": [], "warnings": []}


def _ref(key: str, issuer_org: str | None) -> dict[str, Any]:
    number = key.split("@")[0]
    return {"key": key, "number": number, "doc_type": None, "date": None, "issuer": issuer_org,
            "issuer_org": issuer_org, "title": None, "mentions": []}


def generate(total: int = 500, seed: int = 7) -> list[dict[str, Any]]:
    """``total`` generated documents (the central directives are cited, not ingested)."""
    rng = random.Random(seed)
    provinces = [f"Tỉnh ủy Tỉnh {c}" for c in "ABCDEF"]
    docs: list[dict[str, Any]] = []
    seq = 100
    while len(docs) < total:
        for d in range(12):
            directive = f"{10 + d:02d}-CT/TW@{2016 + d % 7}"
            for province in rng.sample(provinces, 4):
                year = 2016 + d % 7 + rng.randint(0, 1)
                seq += 1
                pnum = f"{seq}-KH/TU"
                docs.append(_doc(pnum, year, f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", province, None, [],
                                 [directive], [_ref(directive, "Ban Bí thư")], f"thực hiện Chỉ thị {directive}"))
                letter = province[-1]
                for k in range(rng.randint(3, 5)):
                    district = f"Huyện ủy {letter}{k + 1}"
                    seq += 1
                    dnum = f"{seq}-KH/HU"
                    pkey = f"{pnum}@{year}"
                    docs.append(_doc(dnum, year + 1, f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", district,
                                     province.replace("Tỉnh ủy", "Đảng bộ tỉnh"), [pkey], [directive],
                                     [_ref(pkey, province), _ref(directive, "Ban Bí thư")], f"thực hiện {pnum}"))
                    for c in range(rng.randint(0, 2)):
                        seq += 1
                        dkey = f"{dnum}@{year + 1}"
                        docs.append(_doc(f"{seq}-BC/ĐU", year + 1, f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                                         f"Đảng ủy xã {letter}{k + 1}-{c + 1}", f"Đảng bộ huyện {letter}{k + 1}",
                                         [dkey], [], [_ref(dkey, district)], f"báo cáo kết quả {dnum}"))
                    if len(docs) >= total:
                        return docs[:total]
    return docs[:total]


def _scaled(positions: dict[str, tuple[float, float]], width: float, height: float) -> dict[str, tuple[float, float]]:
    xs, ys = [p[0] for p in positions.values()], [p[1] for p in positions.values()]
    sx = width / ((max(xs) - min(xs)) or 1)
    sy = height / ((max(ys) - min(ys)) or 1)
    return {n: ((x - min(xs)) * sx, (y - min(ys)) * sy) for n, (x, y) in positions.items()}


def overlaps(positions: dict[str, tuple[float, float]], radius: float = 4.0) -> int:
    """Pairs of dots closer than a dot's diameter (drawn on top of each other)."""
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
    count = 0
    for x, y in positions.values():
        cx, cy = int(x // (2 * radius)), int(y // (2 * radius))
        for dx, dy in itertools.product((-1, 0, 1), repeat=2):
            count += sum(1 for (ox, oy) in cells.get((cx + dx, cy + dy), ())
                         if (ox - x) ** 2 + (oy - y) ** 2 < (2 * radius) ** 2)
        cells.setdefault((cx, cy), []).append((x, y))
    return count


def crossings(graph: Any, positions: dict[str, tuple[float, float]]) -> int:
    """Pairs of drawn (straight) edges that cross."""
    segments = [(positions[s], positions[t]) for s, t, d in graph.edges(data=True) if not d.get("implied")]

    def side(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    count = 0
    for (a, b), (c, d) in itertools.combinations(segments, 2):
        if len({a, b, c, d}) == 4 and side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0:
            count += 1
    return count


def write_section(text: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md (or append it)."""
    current = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    block = f"{SECTION}\n\n{text.strip()}\n\n"
    updated = pattern.sub(lambda _: block, current) if pattern.search(current) else current.rstrip() + "\n\n" + block
    REPORT.write_text(updated.rstrip() + "\n", encoding="utf-8")


def compare(documents: Any, layout: h.Layout) -> str:
    """The layered layout against networkx's multipartite layout (one row per level) on the same canvas."""
    import networkx as nx

    started = time.perf_counter()
    baseline = nx.multipartite_layout(documents, subset_key="level", align="horizontal")
    base_s = time.perf_counter() - started
    baseline = _scaled({n: (float(x), float(y)) for n, (x, y) in baseline.items()}, layout.width, layout.height)
    started = time.perf_counter()
    ours = h.layered_layout(documents).positions
    ours_s = time.perf_counter() - started
    o_base, o_ours = overlaps(baseline), overlaps(ours)
    c_base, c_ours = crossings(documents, baseline), crossings(documents, ours)
    n = sum(1 for _, d in documents.nodes(data=True) if d["kind"] == "document")
    return "\n".join([
        f"`python benchmarks/hierarchy_500.py` — {n} documents (500 generated plans and reports + the "
        "cited-only directives), stored through `kg.store`, drawn with `kg.picture.draw`. Baseline: "
        "networkx `multipartite_layout` by level (one row per level), scaled to the same canvas "
        f"({layout.width:.0f} × {layout.height:.0f} px). Implied implements edges are left out of both counts, "
        "as the picture leaves them out.",
        "",
        "| | multipartite (baseline) | layered (ours) | baseline / ours |",
        "|---|---:|---:|---:|",
        f"| dots drawn on top of each other (pairs closer than 8 px) | {o_base} | {o_ours} | "
        f"{'∞' if not o_ours else f'{o_base / o_ours:.1f}×'} |",
        f"| edge crossings (straight edges) | {c_base} | {c_ours} | {c_base / max(c_ours, 1):.1f}× |",
        f"| layout time (ms) | {base_s * 1000:.1f} | {ours_s * 1000:.1f} | {base_s / max(ours_s, 1e-9):.1f}× |",
    ])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/img/hierarchy-500.png"))
    parser.add_argument("--html", type=Path)
    parser.add_argument("--report", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = graph_store.open_store(tmp)
        docs = generate()
        started = time.perf_counter()
        for doc in docs:
            graph_store.write_document(store, BASE, doc, path=doc["source"]["path"], extractor_version="gen")
        stored = time.perf_counter() - started
        started = time.perf_counter()
        graph = h.build_hierarchy(store, BASE, include_orgs=True)
        built = time.perf_counter() - started
        documents = h.filter_relations(graph, h.RELATIONS)
        started = time.perf_counter()
        layout = h.layered_layout(documents)
        laid = time.perf_counter() - started
        started = time.perf_counter()
        draw(documents, args.out, title=f"{len(docs)} văn bản (sinh tự động)", layout=layout)
        drawn = time.perf_counter() - started
        table = compare(documents, layout)
        if args.html:
            data = graph_export.payload(graph, h.organizations(store, BASE), served=False)
            args.html.write_text(graph_export.standalone_html(data, "500 văn bản"), encoding="utf-8")
    n_docs = sum(1 for _, d in documents.nodes(data=True) if d["kind"] == "document")
    print(f"documents in picture: {n_docs}, edges: {documents.number_of_edges()}, "
          f"bands: {[(b['level'], round(b['bottom'] - b['top'])) for b in layout.bands]}, width: {layout.width:.0f}")
    timings = f"store {stored:.2f}s, build {built:.2f}s, layout {laid:.3f}s, draw {drawn:.2f}s"
    print(f"{timings} -> {args.out}")
    print(table)
    if args.report:
        write_section(f"{table}\n\nOne run on the shared 2-core machine: {timings} (PNG, {n_docs} documents).")


if __name__ == "__main__":
    main()
