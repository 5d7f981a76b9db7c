"""The directive hierarchy as a networkx graph, read from the RDF store.

Nodes are documents (ingested or known only from citations) and, on request, organizations.
Document edges point from the document that acts to the document it acts on, typed
``implements`` / ``implements_partly`` / ``based_on`` / ``cites``; a pair linked several ways
keeps one edge whose ``relation`` is the strongest and whose ``relations`` lists them all.
Organization edges are ``issued_by`` (document → committee) and ``sub_organization_of``.

:func:`layered_layout` places documents in horizontal bands by level (central at the top,
communes at the bottom) and along a time axis; :func:`focus` cuts the cascade around one
document; :func:`responses` tells, for a directive, which committees answered and which did not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx
from pyoxigraph import NamedNode, Store

from kg.identity import TYPE_NAMES, issuer_level, parse_number, split_key
from kg.mapping import doc_type_names
from kg.store import select
from kg.terms import one_of, values
from kg.vocab import ELI, ORG, SKOS, project

SKOS_LABEL = SKOS.prefLabel.value
# Strongest first: the relation drawn when a pair is linked several ways.
RELATIONS = ("implements", "implements_partly", "based_on", "cites")
CASCADE_RELATIONS = ("implements", "implements_partly", "based_on")
ORG_RELATIONS = ("issued_by", "sub_organization_of")
# Bands of the picture, top to bottom.
LEVELS = ("central", "state", "province", "district", "commune", "unknown")
LEVEL_LABELS = {
    "central": "Trung ương", "state": "Nhà nước", "province": "Cấp tỉnh", "district": "Cấp huyện",
    "commune": "Cấp cơ sở", "unknown": "Chưa rõ cấp",
}
LABEL_ALL = 150  # pictures label every document up to this many
RELATION_LABELS = {
    "implements": "thực hiện", "implements_partly": "thực hiện một phần", "based_on": "căn cứ / triển khai",
    "cites": "dẫn chiếu", "issued_by": "ban hành bởi", "sub_organization_of": "trực thuộc",
}


def _properties(base: str) -> dict[str, str]:
    ns = project(base).ns
    return {ns.implements.value: "implements", ns.implementsPartly.value: "implements_partly",
            ELI.based_on.value: "based_on", ELI.cites.value: "cites"}


def _values(var: str, iris: Iterable[str]) -> str:
    return values(var, [NamedNode(i) for i in iris])


def _one_of(var: str, iris: Iterable[str]) -> str:
    return one_of(var, [NamedNode(i) for i in iris])


def _document_facts(store: Store, base: str, documents: Collection[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per document (all, or only ``documents``): its facts, each picked from its own file first, then the
    registry, then citations."""
    ns = project(base).ns
    props = {ns.key.value: "key", ELI.number.value: "number", ELI.type_document.value: "doc_type",
             ELI.date_document.value: "date", ELI.title.value: "title", ns.issuerName.value: "issuer",
             ELI.passed_by.value: "org"}
    if documents is None:
        chosen = "{ SELECT DISTINCT ?d WHERE { ?d a eli:LegalResource } }"
        pattern = f"{chosen} {_values('p', props)} GRAPH ?g {{ ?d ?p ?o }}"
    else:
        chosen = _values("d", documents)
        pattern = f"{chosen} GRAPH ?g {{ ?d ?p ?o }} {_one_of('p', props)}"
    rows = select(store, base, f"SELECT ?d ?g ?p ?o WHERE {{ {pattern} }}")
    sources = select(store, base, f"""
        SELECT ?d ?g ?path WHERE {{ {"" if documents is None else chosen}
          GRAPH ?g {{ ?g foaf:primaryTopic ?d ; vnkg:sourcePath ?path }} }}""")
    own: dict[str, set[str]] = defaultdict(set)
    paths: dict[str, list[str]] = defaultdict(list)
    for r in sources:
        own[r["d"].value].add(r["g"].value)
        paths[r["d"].value].append(r["path"].value)
    registry = project(base).registry_graph.value
    ranked: dict[str, dict[str, list[tuple[int, int, str]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        doc, graph, value = r["d"].value, r["g"].value, r["o"].value
        rank = 0 if graph in own.get(doc, ()) else 1 if graph == registry else 2
        ranked[doc][props[r["p"].value]].append((rank, -len(value), value))
    type_names = doc_type_names()
    facts: dict[str, dict[str, Any]] = {}
    for doc, fields in ranked.items():
        if "key" not in fields:
            continue
        info: dict[str, Any] = {name: min(values)[2] for name, values in fields.items()}
        if info.get("doc_type"):
            info["doc_type"] = type_names.get(info["doc_type"].rsplit("/", 1)[-1], info["doc_type"])
        info["ingested"] = doc in own
        info["source"] = sorted(paths[doc])[0] if paths.get(doc) else None
        facts[doc] = info
    return facts


def _organizations(store: Store, base: str) -> dict[str, dict[str, Any]]:
    # One row per distinct fact: the union of file graphs repeats an organization's triples in
    # every file that names it, and a join of its optional facts would multiply those copies.
    rows = select(store, base, """
        SELECT DISTINCT ?o ?p ?v WHERE {
          { SELECT DISTINCT ?o WHERE { ?o a org:FormalOrganization } }
          OPTIONAL { VALUES ?p { skos:prefLabel vnkg:level org:subOrganizationOf } ?o ?p ?v } }""")
    names = {SKOS_LABEL: "label", project(base).ns.level.value: "level", ORG.subOrganizationOf.value: "parent"}
    facts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        fields = facts[r["o"].value]
        if r["p"] is not None:
            fields[names[r["p"].value]].append(r["v"].value)
    return {o: {"label": min(f["label"], default=o.rsplit("/", 1)[-1]),
                "level": min(f["level"], default="unknown"),
                "parent": min(f["parent"], default=None)} for o, f in facts.items()}


def document_level(info: dict[str, Any], orgs: dict[str, dict[str, Any]]) -> str:
    """The band of a document: its committee's level, else its number's issuer code.

    >>> document_level({"number": "117-KH/ThU"}, {})
    'district'
    >>> document_level({"number": "27/CT-TTg"}, {}), document_level({"key": "NQTW4-khoaXII"}, {})
    ('state', 'central')
    """
    org = orgs.get(info.get("org") or "")
    if org and org["level"] in LEVELS and org["level"] != "unknown":
        return org["level"]
    parsed = parse_number(info.get("number") or split_key(info.get("key") or "")[0])
    if parsed:
        if parsed.form == "state":
            return "state"
        return issuer_level(parsed.issuer_code) or "unknown"
    key = info.get("key") or ""
    return "central" if "TW" in key.upper() else "unknown"


def _label(info: dict[str, Any]) -> str:
    """Short label: the number, else the type code and key (named references)."""
    number = info.get("number")
    if number:
        return number
    key = info.get("key") or ""
    return key.rsplit("@", 1)[0] if "@" in key else key


def neighbourhood(store: Store, base: str, root: str, depth: int | None = None) -> set[str]:
    """The documents :func:`focus` keeps around ``root``: those reaching it, and those it reaches, through
    any document relation, at most ``depth`` steps each way. Read with one indexed lookup per step, so a
    focused picture costs the size of its cascade, not of the store."""
    props = _one_of("p", _properties(base))
    found = {root}
    for reverse in (True, False):
        frontier, seen, step = {root}, {root}, 0
        while frontier and (depth is None or step < depth):
            pattern = "?next ?p ?d" if reverse else "?d ?p ?next"
            rows = select(store, base, f"""SELECT DISTINCT ?next WHERE {{ {_values('d', frontier)}
                {pattern} . {props} FILTER(isIRI(?next)) }}""")
            frontier = {r["next"].value for r in rows} - seen
            seen |= frontier
            step += 1
        found |= seen
    return found


def build_hierarchy(store: Store, base: str, *, include_orgs: bool = False,
                    documents: Collection[str] | None = None) -> nx.DiGraph:
    """The hierarchy of the store as a DiGraph keyed by IRI: all of it, or only the ``documents`` given
    (e.g. a :func:`neighbourhood`) and the relations between them.

    Document nodes: ``kind="document"``, ``key``, ``label``, ``number``, ``doc_type``, ``date``,
    ``title``, ``issuer``, ``org`` (IRI), ``org_label``, ``level``, ``ingested``, ``source``.
    Organization nodes (``include_orgs``): ``kind="organization"``, ``label``, ``level``.
    """
    graph = nx.DiGraph()
    orgs = _organizations(store, base)
    for iri, info in _document_facts(store, base, documents).items():
        org = orgs.get(info.get("org") or "")
        graph.add_node(iri, kind="document", label=_label(info), key=info["key"],
                       number=info.get("number"), doc_type=info.get("doc_type"), date=info.get("date"),
                       title=info.get("title"), issuer=info.get("issuer") or (org or {}).get("label"),
                       org=info.get("org"), org_label=(org or {}).get("label"),
                       level=document_level(info, orgs), ingested=info["ingested"], source=info.get("source"))
    props = _properties(base)
    pattern = f"{_values('p', props)} ?s ?p ?t" if documents is None \
        else f"{_values('s', documents)} ?s ?p ?t . {_one_of('p', props)}"
    rows = select(store, base, f"SELECT DISTINCT ?s ?p ?t WHERE {{ {pattern} }}")
    for r in rows:
        source, target = r["s"].value, r["t"].value
        if source == target or source not in graph or target not in graph:
            continue
        add_relation(graph, source, target, props[r["p"].value])
    # Registry entries nothing points to (and that point nowhere) are not part of any cascade.
    graph.remove_nodes_from([n for n, d in graph.nodes(data=True) if not d["ingested"] and graph.degree(n) == 0])
    mark_implied(graph)
    if include_orgs:
        for iri, org in orgs.items():
            graph.add_node(iri, kind="organization", label=org["label"], level=org["level"])
        for iri, org in orgs.items():
            if org["parent"] in orgs:
                add_relation(graph, iri, org["parent"], "sub_organization_of")
        for iri, data in list(graph.nodes(data=True)):
            if data["kind"] == "document" and data.get("org") in orgs:
                add_relation(graph, iri, data["org"], "issued_by")
    return graph


def add_relation(graph: nx.DiGraph, source: str, target: str, relation: str) -> None:
    """Add ``relation`` to the edge ``source → target``, keeping the strongest as ``relation``."""
    order = (*RELATIONS, *ORG_RELATIONS)
    if graph.has_edge(source, target):
        data = graph.edges[source, target]
        data["relations"] = sorted({*data["relations"], relation}, key=order.index)
        data["relation"] = data["relations"][0]
    else:
        graph.add_edge(source, target, relation=relation, relations=[relation])


def mark_implied(graph: nx.DiGraph) -> int:
    """Flag ``implied=True`` on each implements edge that another cascade path already carries.

    A district plan based on the province plan that implements Chỉ thị 23 also implements it,
    and says so; drawing that edge for each of hundreds of plans hides the tree. The edge stays
    in the graph, flagged, for pictures to leave out. Returns how many were flagged.
    """
    cascade = nx.DiGraph((s, t) for s, t, d in graph.edges(data=True) if d["relation"] in CASCADE_RELATIONS)
    flagged = 0
    for s, t, data in graph.edges(data=True):
        data["implied"] = False
        if data["relation"] in ("implements", "implements_partly"):
            cascade.remove_edge(s, t)
            data["implied"] = nx.has_path(cascade, s, t)
            cascade.add_edge(s, t)
            flagged += data["implied"]
    return flagged


def filter_relations(graph: nx.DiGraph, relations: Iterable[str]) -> nx.DiGraph:
    """A copy keeping only edges of ``relations`` (re-typed to the strongest kept relation).

    Documents known only from citations and organizations that lose every edge are dropped;
    ingested documents stay.
    """
    keep = [r for r in (*RELATIONS, *ORG_RELATIONS) if r in set(relations)]
    out = nx.DiGraph()
    out.add_nodes_from(graph.nodes(data=True))
    for s, t, data in graph.edges(data=True):
        kept = [r for r in data["relations"] if r in keep]
        if kept:
            out.add_edge(s, t, **{**data, "relation": kept[0], "relations": kept})
    out.remove_nodes_from([n for n, d in out.nodes(data=True)
                           if out.degree(n) == 0 and not d.get("ingested")])
    mark_implied(out)
    return out


def cascade_members(graph: nx.DiGraph, root: str) -> set[str]:
    """Documents in the cascade of ``root``: those reaching it through implements / based-on edges."""
    cascade = nx.subgraph_view(graph, filter_edge=lambda s, t: graph.edges[s, t]["relation"] in CASCADE_RELATIONS
                               or bool(set(graph.edges[s, t]["relations"]) & set(CASCADE_RELATIONS)))
    return nx.ancestors(cascade, root) if root in cascade else set()


def focus(graph: nx.DiGraph, root: str, depth: int | None = None) -> nx.DiGraph:
    """The part of ``graph`` around ``root``: what acts on it (down the cascade) and what it acts on.

    ``depth`` bounds the number of steps each way (``None``: no bound). Organizations of the kept
    documents stay when the graph has them.
    """
    if root not in graph:
        raise KeyError(root)
    down = nx.single_source_shortest_path_length(graph.reverse(copy=False), root, cutoff=depth)
    up = nx.single_source_shortest_path_length(graph, root, cutoff=depth)
    keep = {n for n in (*down, *up) if graph.nodes[n]["kind"] == "document"}
    if depth is None or depth > 0:  # the committees of the kept documents, and theirs, up the chain
        orgs = {t for n in keep for t in graph.successors(n) if graph.nodes[t]["kind"] == "organization"}
        for org in list(orgs):
            orgs |= {o for o in nx.descendants(graph, org) if graph.nodes[o]["kind"] == "organization"}
        keep |= orgs
    return graph.subgraph(keep).copy()


def focus_many(graph: nx.DiGraph, roots: Iterable[str], depth: int | None = None) -> nx.DiGraph:
    """The union of :func:`focus` around each of ``roots`` (e.g. every document of one unit's lineage)."""
    keep: set[str] = set()
    for root in roots:
        keep |= set(focus(graph, root, depth).nodes)
    return graph.subgraph(keep).copy()


def _day(data: dict[str, Any]) -> date | None:
    """The date of a node; its key's year (mid-year) when only that is known."""
    value = data.get("date")
    if value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    year = split_key(data.get("key") or "")[1]
    return date(year, 7, 1) if year else None


@dataclass(frozen=True)
class Layout:
    """Positions (x right, y down, in pixels), the level bands and the year ticks of the time axis."""

    positions: dict[str, tuple[float, float]]
    bands: list[dict[str, Any]]  # {"level", "label", "top", "bottom"}
    ticks: list[tuple[float, float, str]]  # (start, end, "2018") of the years shown; the undated column too
    width: float
    height: float


def layered_layout(graph: nx.DiGraph, *, gap: float | None = None, target_width: float | None = None,
                   lane_height: float | None = None, band_gap: float = 36.0) -> Layout:
    """A band per level (central at the top), time along x.

    The time axis is cut into years (and a column for undated documents at the left). A year
    is as wide as its busiest band needs, ``gap`` per document, and an empty year is narrow;
    within a year each band spreads its documents evenly, ordered by where the documents they
    answer stand (then by date), so edges cross less. When that would be
    wider than ``target_width`` (hundreds of documents), documents take turns in 2..10 lanes
    (rows) of their band instead, so nothing overlaps and the picture keeps its width.
    ``gap`` defaults to a label's width while every document is labelled (see
    :data:`LABEL_ALL`), else to a dot's; ``target_width`` to 1800 / 1100 pixels, ``lane_height`` to 36 / 16. Organizations sit in a column left of everything.
    """
    docs = [n for n, d in graph.nodes(data=True) if d["kind"] == "document"]
    labels = len(docs) <= LABEL_ALL
    gap = gap or (72.0 if labels else 14.0)
    target_width = target_width or (1800.0 if labels else 1100.0)
    lane_height = lane_height or (36.0 if labels else 16.0)
    days = {n: _day(graph.nodes[n]) for n in docs}
    slot = {n: (days[n].year if days[n] else 0) for n in docs}  # 0: the undated column
    cells: dict[tuple[str, int], list[str]] = defaultdict(list)
    for n in sorted(docs, key=lambda m: (days[m] or date.min, graph.nodes[m].get("key") or m)):
        cells[(graph.nodes[n].get("level") or "unknown", slot[n])].append(n)
    dated = sorted({s for s in slot.values() if s})
    years = ([0] if 0 in slot.values() else []) + (list(range(dated[0], dated[-1] + 1)) if dated else [])
    busiest = {y: max((len(v) for (_, s), v in cells.items() if s == y), default=0) for y in years}
    empty_width = gap / 2 if gap < 40 else 24.0
    natural = sum(max(empty_width, busiest[y] * gap) for y in years)
    lanes = min(10, max(1, -(-int(natural) // int(target_width))))
    starts: dict[int, float] = {}
    widths: dict[int, float] = {}
    x = 0.0
    for y in years:
        starts[y], widths[y] = x, max(empty_width, busiest[y] * gap / lanes)
        x += widths[y] + (gap if y == 0 else 0)
    width = x
    raw_x: dict[str, float] = {}
    # Bands top-down; inside a year, a band's documents follow the x of what they answer
    # (barycentre of the already placed targets), so the cascade's edges cross less.
    for (_, y), members in sorted(cells.items(), key=lambda c: LEVELS.index(c[0][0])):
        def anchor(n: str) -> float:
            xs = [raw_x[t] for t in graph.successors(n) if t in raw_x]
            return sum(xs) / len(xs) if xs else float("inf")
        if len(members) > 1:
            members.sort(key=lambda n: (anchor(n), days[n] or date.min))
        for i, n in enumerate(members):
            raw_x[n] = starts[y] + (i + 0.5) / len(members) * widths[y] if len(members) < busiest[y] \
                else starts[y] + (i + 0.5) * widths[y] / busiest[y]
    positions: dict[str, tuple[float, float]] = {}
    bands: list[dict[str, Any]] = []
    top = 0.0
    for level in LEVELS:
        members = [n for n in docs if (graph.nodes[n].get("level") or "unknown") == level]
        orgs = sorted((n for n, d in graph.nodes(data=True) if d["kind"] == "organization"
                       and (d.get("level") or "unknown") == level), key=lambda o: graph.nodes[o].get("label") or o)
        if not members and not orgs:
            continue
        ends: list[float] = []  # the last x used in each lane
        for n in sorted(members, key=lambda m: raw_x[m]):
            lane = next((i for i, end in enumerate(ends) if raw_x[n] - end >= gap * 0.99), None)
            if lane is None:
                ends.append(raw_x[n])
                lane = len(ends) - 1
            ends[lane] = raw_x[n]
            positions[n] = (raw_x[n], top + lane * lane_height)
        for i, n in enumerate(orgs):
            positions[n] = (-160.0, top + i * lane_height)
        rows = max(len(ends), len(orgs), 1)
        bands.append({"level": level, "label": LEVEL_LABELS[level], "top": top - lane_height / 2,
                      "bottom": top + (rows - 0.5) * lane_height})
        top += rows * lane_height + band_gap
    ticks: list[tuple[float, float, str]] = []
    for y in years:  # a label per year with documents, others only where there is room
        if y == 0 or busiest[y] or not ticks or starts[y] - ticks[-1][0] >= 40:
            ticks.append((starts[y], starts[y] + widths[y], "không rõ ngày" if y == 0 else str(y)))
    return Layout(positions, bands, ticks, width, max(top - band_gap, lane_height))


def responses(graph: nx.DiGraph, directive: str, organizations: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Which committees answered ``directive`` and which did not, committee by committee.

    A committee that issued a document of the cascade (or the directive) expects an answer from
    each committee directly under it at a lower level (its own departments, at its level, do not
    count); for a central issuer, every province under the centre. Each row: ``{"org", "label",
    "level", "parent", "parent_label", "answered", "documents": [{"iri", "key", "label", "date"}]}``,
    grouped by parent (top levels first), answered first. ``organizations``: :func:`organizations`.
    """
    members = cascade_members(graph, directive) | {directive}
    issued: dict[str, list[str]] = defaultdict(list)
    for n in members:
        if graph.nodes[n].get("org"):
            issued[graph.nodes[n]["org"]].append(n)
    rank = {level: i for i, level in enumerate(LEVELS)}

    def level_of(org: str | None) -> int:
        return rank.get((organizations.get(org or "") or {}).get("level") or "unknown", len(LEVELS))

    central = {o for o, d in organizations.items() if d["level"] == "central"}
    parents: set[str] = set()
    for org in issued:
        parents |= central if org in central else {org}
    rows: list[dict[str, Any]] = []
    for child, info in organizations.items():
        parent = info["parent"]
        if parent not in parents or info["level"] == "unknown" or level_of(child) <= level_of(parent):
            continue
        docs = sorted(issued.get(child, []), key=lambda n: graph.nodes[n].get("date") or "")
        rows.append({"org": child, "label": info["label"], "level": info["level"], "parent": parent,
                     "parent_label": organizations[parent]["label"], "answered": bool(docs),
                     "documents": [{"iri": n, "key": graph.nodes[n]["key"], "label": graph.nodes[n]["label"],
                                    "date": graph.nodes[n].get("date")} for n in docs]})
    rows.sort(key=lambda r: (level_of(r["parent"]), r["parent_label"], not r["answered"], r["label"]))
    return rows


def organizations(store: Store, base: str) -> dict[str, dict[str, Any]]:
    """Every committee: IRI → ``{"label", "level", "parent"}``."""
    return _organizations(store, base)


def find_node(graph: nx.DiGraph, key_or_iri: str) -> str | None:
    """The node whose IRI or key is ``key_or_iri``."""
    if key_or_iri in graph:
        return key_or_iri
    return next((n for n, d in graph.nodes(data=True) if d.get("key") == key_or_iri), None)


def type_code(doc_type: str | None) -> str | None:
    """``Kế hoạch`` → ``KH`` (for compact labels and colours)."""
    return next((code for code, name in TYPE_NAMES.items() if name == doc_type), None)

