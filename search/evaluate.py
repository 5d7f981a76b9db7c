"""Retrieval evaluation: recall@5 and MRR@10 of each search mode over labelled queries.

A query file is JSON ``{"queries": [{"id", "query", "kind", "relevant": [{"doc", "contains"}]}]}``.
A relevant passage is a provision of document ``doc`` whose text contains ``contains``
(compared without diacritics), so labels survive changes in how the extractor splits provisions.
Every query written with diacritics also runs as a copy without them (kind ``nodiac``).
A result group (copied wording listed under one result) counts all its members at that rank.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean
from typing import Any

from kg.errors import KgError
from kg.text import fold
from search.index import MODES, SearchIndex
from search.normalize import has_diacritics


class EvalError(KgError):
    """A labelled query set that cannot be used."""


def load_queries(path: Path) -> list[dict[str, Any]]:
    """Read the labelled queries and add a no-diacritics copy of each accented one."""
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))["queries"]
    except (OSError, ValueError, KeyError) as err:
        raise EvalError(f"{path}: không đọc được bộ câu hỏi ({err}).") from err
    out = []
    for row in rows:
        out.append({**row, "kind": row.get("kind", "paraphrase")})
        if has_diacritics(row["query"]):
            out.append(
                {
                    **row,
                    "id": f"{row['id']}-nodiac",
                    "query": fold(row["query"]),
                    "kind": "nodiac",
                    "accented": row["id"],
                }
            )
    return out


def relevant_ids(index: SearchIndex, labels: list[dict[str, str]]) -> set[int]:
    """Passage ids that the labels designate."""
    ids: set[int] = set()
    for label in labels:
        wanted = fold(label["contains"])
        for ident in index.catalog.ids_of_documents([label["doc"]]):
            row = index.catalog.passages([ident])[ident]
            if wanted in fold(row.text):
                ids.add(ident)
    return ids


def _ranked_groups(index: SearchIndex, query: str, mode: str) -> list[set[int]]:
    result = index.search(query, k=10, mode=mode)
    return [{hit.passage.id, *(o.id for o in hit.also_in)} for hit in result.hits]


def evaluate(
    index: SearchIndex, queries: list[dict[str, Any]], modes: tuple[str, ...] = MODES
) -> dict[str, Any]:
    """Per mode: recall@5, MRR@10 overall and for accented / no-diacritics queries."""
    labelled = []
    for q in queries:
        relevant = relevant_ids(index, q["relevant"])
        if not relevant:
            raise EvalError(
                f"câu hỏi {q['id']}: không có điều khoản nào khớp nhãn {q['relevant']} — "
                f"đã nạp đủ các văn bản mẫu (kg ingest data/seeds) chưa?"
            )
        labelled.append((q, relevant))
    report: dict[str, Any] = {"queries": len(labelled), "modes": {}}
    for mode in modes:
        per_query = []
        for q, relevant in labelled:
            groups = _ranked_groups(index, q["query"], mode)
            top5 = set().union(*groups[:5]) if groups else set()
            recall = len(relevant & top5) / len(relevant)
            rr = next((1 / rank for rank, g in enumerate(groups[:10], 1) if g & relevant), 0.0)
            per_query.append({"id": q["id"], "kind": q["kind"], "recall@5": recall, "rr": rr})
        accented = [r for r in per_query if r["kind"] != "nodiac"]
        folded = [r for r in per_query if r["kind"] == "nodiac"]
        report["modes"][mode] = {
            "recall@5": mean(r["recall@5"] for r in per_query),
            "mrr@10": mean(r["rr"] for r in per_query),
            "recall@5_accented": mean(r["recall@5"] for r in accented) if accented else None,
            "recall@5_nodiac": mean(r["recall@5"] for r in folded) if folded else None,
            "misses": [r["id"] for r in per_query if r["rr"] == 0],
        }
    return report


def markdown_table(report: dict[str, Any]) -> str:
    """The report as a Markdown table (one row per mode)."""
    lines = [
        "| mode | recall@5 | MRR@10 | recall@5 (accented) | recall@5 (no diacritics) | missed (top 10) |",
        "|---|---|---|---|---|---|",
    ]
    for mode, m in report["modes"].items():
        lines.append(
            f"| {mode} | {m['recall@5']:.3f} | {m['mrr@10']:.3f} | {m['recall@5_accented']:.3f} | "
            f"{m['recall@5_nodiac']:.3f} | {len(m['misses'])} |"
        )
    return "\n".join(lines) + f"\n\n{report['queries']} queries.\n"
