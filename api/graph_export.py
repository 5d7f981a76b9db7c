"""The hierarchy as an interactive page: Cytoscape.js elements, and one self-contained HTML file.

The served page (``/hierarchy``) and the exported file share the markup
(``templates/_hierarchy.html``), the script (``static/hierarchy.js``) and the data built here;
the exported file inlines Cytoscape.js, the script and the styles, so it opens with no server
and no internet. :func:`write` dispatches ``kg graph --out FILE`` by the file's suffix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kg import hierarchy as h
from kg.picture import EDGE_STYLES, FILE_FORMATS, LEVEL_COLORS, STATIC_FORMATS, draw, write_file

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
HTML_FORMATS = (".html", ".htm")
FORMATS = (*HTML_FORMATS, *STATIC_FORMATS, *FILE_FORMATS)
BAND_FILL = ("#f1f3f7", "#fafbfc")


def document_page(key: str) -> str:
    """The web UI's page of a document (``/document/<key>``)."""
    return "/document/" + quote(key, safe="/@")


def elements(graph: nx.DiGraph, layout: h.Layout, *, served: bool) -> dict[str, list[dict[str, Any]]]:
    """Cytoscape.js elements: documents at their layout positions, level bands, year ticks, edges.

    ``served``: links go to the web UI's document pages; otherwise to the documents' IRIs.
    """
    nodes: list[dict[str, Any]] = []
    xs = [x for x, _ in layout.positions.values()] or [0.0]
    left, right = min(xs) - 150, max(max(xs), layout.width) + 40
    for i, band in enumerate(layout.bands):
        nodes.append({"data": {"id": f"band-{band['level']}", "label": band["label"], "w": right - left,
                               "h": band["bottom"] - band["top"], "fill": BAND_FILL[i % 2],
                               "color": LEVEL_COLORS[band["level"]]},
                      "position": {"x": (left + right) / 2, "y": (band["top"] + band["bottom"]) / 2},
                      "classes": "band", "selectable": False, "grabbable": False})
    for start, end, label in layout.ticks:
        nodes.append({"data": {"id": f"tick-{label}", "label": label},
                      "position": {"x": (start + end) / 2, "y": -50}, "classes": "tick",
                      "selectable": False, "grabbable": False})
    for n, data in graph.nodes(data=True):
        if n not in layout.positions or data["kind"] != "document":
            continue
        x, y = layout.positions[n]
        url = document_page(data["key"]) if served and data.get("key") else n
        fields = {k: data.get(k) for k in ("key", "label", "number", "doc_type", "date", "title", "issuer",
                                            "level", "source")}
        nodes.append({"data": {"id": n, **fields, "ingested": bool(data.get("ingested")), "url": url,
                               "color": LEVEL_COLORS.get(data.get("level") or "unknown"),
                               "levelLabel": h.LEVEL_LABELS.get(data.get("level") or "unknown")},
                      "position": {"x": x, "y": y},
                      "classes": "doc " + ("ingested" if data.get("ingested") else "cited")})
    edges = [{"data": {"id": f"e{i}", "source": s, "target": t, "relation": d["relation"],
                       "relations": list(d["relations"]), "implied": bool(d.get("implied"))},
              "classes": f"rel-{d['relation']}"}
             for i, (s, t, d) in enumerate(graph.edges(data=True))
             if s in layout.positions and t in layout.positions
             and graph.nodes[s]["kind"] == graph.nodes[t]["kind"] == "document"]
    return {"nodes": nodes, "edges": edges}


def payload(graph: nx.DiGraph, organizations: dict[str, dict[str, Any]], *, served: bool,
            focus: str | None = None, depth: int | None = None) -> dict[str, Any]:
    """Everything the page's script needs: elements, labels, styles, and who answered each directive.

    ``graph`` must hold organizations (``build_hierarchy(..., include_orgs=True)``) for the
    answered / not answered lists; only its documents are drawn.
    """
    documents = graph.subgraph([n for n, d in graph.nodes(data=True) if d["kind"] == "document"])
    layout = h.layered_layout(documents)
    answers = {}
    for n, data in documents.nodes(data=True):
        if data.get("level") in ("central", "state", "province") and h.cascade_members(documents, n):
            rows = h.responses(graph, n, organizations)
            if rows:
                answers[n] = [{**r, "documents": [{**d, "url": document_page(d["key"]) if served else d["iri"]}
                                                  for d in r["documents"]]} for r in rows]
    return {
        "elements": elements(documents, layout, served=served),
        "relations": [{"id": r, "label": h.RELATION_LABELS[r], "color": EDGE_STYLES[r][0]} for r in h.RELATIONS],
        "responses": answers,
        "showImplied": len(layout.positions) <= h.LABEL_ALL,
        "focus": focus,
        "depth": depth,
    }


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def data_script(data: dict[str, Any]) -> str:
    """JSON for a ``<script type="application/json">`` block (``</`` cannot close it)."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def standalone_html(data: dict[str, Any], title: str) -> str:
    """One HTML file with every script and style inlined: works from ``file://`` with no network."""
    def inline(name: str) -> str:
        return (STATIC / name).read_text(encoding="utf-8").replace("</script", "<\\/script")

    return _environment().get_template("hierarchy_standalone.html").render(
        title=title, data=data_script(data), cytoscape=inline("vendor/cytoscape.min.js"),
        script=inline("hierarchy.js"), style=inline("hierarchy.css"))


def write(graph: nx.DiGraph, organizations: dict[str, dict[str, Any]], out: Path, *, title: str,
          focus: str | None = None, depth: int | None = None) -> Path:
    """Write the hierarchy to ``out``; the format is the suffix (see :data:`FORMATS`)."""
    suffix = out.suffix.lower()
    documents = graph.subgraph([n for n, d in graph.nodes(data=True) if d["kind"] == "document"]).copy()
    if suffix in HTML_FORMATS:
        data = payload(graph, organizations, served=False, focus=focus, depth=depth)
        out.write_text(standalone_html(data, title), encoding="utf-8")
        return out
    if suffix in STATIC_FORMATS:
        return draw(documents, out, title=title)
    if suffix in FILE_FORMATS:
        return write_file(graph, out)
    raise ValueError(suffix)
