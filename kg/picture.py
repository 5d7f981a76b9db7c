"""Static pictures (SVG, PNG) and graph files (GraphML, GEXF, node-link JSON) of the hierarchy.

The picture uses the layered layout of :mod:`kg.hierarchy`: a band per level, time along x.
Ingested documents are filled dots, documents known only from citations are hollow dashed
rings; each relation has its own colour and line style. Past ``LABEL_ALL`` documents only the
central / state documents and the most-answered ones are labelled, so a 500-document picture
stays legible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle

from kg.hierarchy import CASCADE_RELATIONS, LABEL_ALL, RELATION_LABELS, Layout, layered_layout

LEVEL_COLORS = {
    "central": "#b2182b", "state": "#6a3d9a", "province": "#2166ac", "district": "#1b7837",
    "commune": "#b35806", "unknown": "#6b6b6b",
}
EDGE_STYLES = {  # relation → (colour, line style, width)
    "implements": ("#b2182b", "solid", 1.6),
    "implements_partly": ("#e08214", (0, (5, 3)), 1.3),
    "based_on": ("#2166ac", "solid", 1.2),
    "cites": ("#9a9a9a", (0, (1, 2)), 0.6),
    "issued_by": ("#c9c9c9", "solid", 0.5),
    "sub_organization_of": ("#7f7f7f", "solid", 0.8),
}
LABEL_BUSIEST = 12  # past LABEL_ALL: label the directives and this many of the most-answered plans
STATIC_FORMATS = (".svg", ".png")
FILE_FORMATS = (".graphml", ".gexf", ".json")


def labelled(graph: nx.DiGraph) -> set[str]:
    """The nodes whose label is drawn: all in a small graph, else the heads of the cascade."""
    docs = [n for n, d in graph.nodes(data=True) if d["kind"] == "document"]
    if len(docs) <= LABEL_ALL:
        return set(graph.nodes)
    answers = {n: sum(1 for s in graph.predecessors(n) if graph.edges[s, n]["relation"] in CASCADE_RELATIONS)
               for n in docs}
    busiest = sorted((n for n in docs if answers[n] >= 3 and graph.nodes[n].get("level") != "central"),
                     key=lambda n: -answers[n])[:LABEL_BUSIEST]
    return {n for n in docs if graph.nodes[n].get("level") in ("central", "state")} | set(busiest)


def draw(graph: nx.DiGraph, path: Path | str, *, title: str | None = None, layout: Layout | None = None) -> Path:
    """Write the picture to ``path`` (``.svg`` or ``.png``, by suffix)."""
    path = Path(path)
    layout = layout or layered_layout(graph)
    pos = layout.positions
    docs = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "document")
    xs = [x for x, _ in pos.values()] or [0.0]
    left, right = min(xs) - 160, max(max(xs), layout.width) + 60
    top, bottom = -75.0, layout.height + 40
    scale = 100.0  # layout pixels per inch
    fig = Figure(figsize=((right - left) / scale, (bottom - top) / scale), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)  # y grows downwards, as in the layout
    ax.axis("off")
    for i, band in enumerate(layout.bands):
        ax.add_patch(Rectangle((left, band["top"]), right - left, band["bottom"] - band["top"],
                               facecolor="#f3f4f7" if i % 2 == 0 else "#fbfbfc", edgecolor="none", zorder=0))
        ax.text(left + 8, (band["top"] + band["bottom"]) / 2, band["label"], fontsize=10, fontweight="bold",
                color=LEVEL_COLORS[band["level"]], va="center", ha="left", zorder=1)
    for start, end, text in layout.ticks:
        ax.text((start + end) / 2, top + 40, text, fontsize=7, color="#555", ha="center", va="center")
        ax.plot([start, start], [top + 30, bottom - 30], color="#e2e4ea", linewidth=0.5, zorder=0.5)
    if title:
        ax.text(left + 8, top + 14, title, fontsize=11, fontweight="bold", va="center")
    for s, t, data in graph.edges(data=True):
        if s not in pos or t not in pos or (docs > LABEL_ALL and data.get("implied")):
            continue  # in a large picture, implements edges that the tree already shows are left out
        color, style, width = EDGE_STYLES[data["relation"]]
        ax.add_patch(FancyArrowPatch(pos[s], pos[t], arrowstyle="-|>", mutation_scale=7, color=color,
                                     linestyle=style, linewidth=width, shrinkA=5, shrinkB=6,
                                     connectionstyle="arc3,rad=0.06", zorder=2))
    names = labelled(graph)
    # Alternate labels below / above along each row, so neighbours' labels do not collide.
    above = set()
    rows: dict[float, list[str]] = {}
    for n in sorted((n for n in names if n in pos), key=lambda m: pos[m][0]):
        rows.setdefault(pos[n][1], []).append(n)
    for row in rows.values():
        above |= set(row[1::2])
    for n, data in graph.nodes(data=True):
        if n not in pos:
            continue
        x, y = pos[n]
        color = LEVEL_COLORS.get(data.get("level") or "unknown", LEVEL_COLORS["unknown"])
        if data["kind"] == "organization":
            ax.scatter([x], [y], s=40, marker="s", c="#ffffff", edgecolors=color, linewidths=1.2, zorder=3)
        elif data.get("ingested"):
            ax.scatter([x], [y], s=46 if docs <= LABEL_ALL else 22, c=color, edgecolors="#222222", linewidths=0.6, zorder=3)
        else:
            ax.scatter([x], [y], s=40 if docs <= LABEL_ALL else 22, c="#ffffff", edgecolors=color, linewidths=1.1,
                       linestyle="--", zorder=3)
        if n in names:
            ax.text(x, y - 10 if n in above else y + 10, data.get("label") or "", fontsize=6.5, ha="center",
                    va="bottom" if n in above else "top", zorder=4,
                    color="#111" if data.get("ingested") or data["kind"] == "organization" else "#555")
    ax.legend(handles=_legend(graph), loc="lower right", fontsize=7, frameon=True, framealpha=0.9)
    fig.savefig(path, format=path.suffix.lstrip(".").lower())
    return path


def _legend(graph: nx.DiGraph) -> list[Line2D]:
    present = {d["relation"] for _, _, d in graph.edges(data=True)}
    handles = [Line2D([], [], marker="o", linestyle="none", markerfacecolor="#777", markeredgecolor="#222",
                      label="văn bản đã nạp"),
               Line2D([], [], marker="o", linestyle="none", markerfacecolor="#fff", markeredgecolor="#777",
                      label="văn bản chỉ được dẫn")]
    for relation, (color, style, width) in EDGE_STYLES.items():
        if relation in present:
            handles.append(Line2D([], [], color=color, linestyle=style, linewidth=width + 0.4,
                                  label=RELATION_LABELS[relation]))
    return handles


def _plain(value: Any) -> str | int | float | bool | None:
    """GraphML/GEXF take scalars only: lists become ``a,b``; ``None`` is left out."""
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    return value


def plain_graph(graph: nx.DiGraph, layout: Layout | None = None) -> nx.DiGraph:
    """A copy with scalar attributes only and the layout's ``x`` / ``y`` on each placed node."""
    layout = layout or layered_layout(graph)
    out = nx.DiGraph()
    for n, data in graph.nodes(data=True):
        attrs = {k: _plain(v) for k, v in data.items() if v is not None}
        if n in layout.positions:
            attrs["x"], attrs["y"] = (float(v) for v in layout.positions[n])
        out.add_node(n, **attrs)
    for s, t, data in graph.edges(data=True):
        out.add_edge(s, t, **{k: _plain(v) for k, v in data.items() if v is not None})
    return out


def write_file(graph: nx.DiGraph, path: Path | str) -> Path:
    """Write ``.graphml``, ``.gexf`` or node-link ``.json`` (for Gephi, Cytoscape, D3)."""
    path = Path(path)
    plain = plain_graph(graph)
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        nx.write_graphml(plain, path)
    elif suffix == ".gexf":
        nx.write_gexf(plain, path)
    elif suffix == ".json":
        data = nx.node_link_data(plain, edges="edges")
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        raise ValueError(f"unsupported graph file format: {suffix}")
    return path
