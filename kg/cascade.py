"""``kg implements REF``: the documents that implement a directive, down the whole cascade.

A document is in the cascade of directive D when it implements D (fully or partly), is based on
a document in the cascade, or implements a document that implements D (Kết luận 01 → Chỉ thị 05,
read out of citation titles and the registry). Edges are followed by IRI, and IRIs carry the
year, so homonyms (23-CT/TW of 2003 and of 2018) never mix.

The walk is a breadth-first search in Python over one small edge query per level
(``VALUES ?parent {frontier}``): it needs the path (``via``) and whether the path passes through
a partial implementation, which a SPARQL property path does not return. ``members_by_path`` is
the property-path version, kept for the benchmark and as a cross-check.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode, Store

from kg.errors import UnknownReferenceError
from kg.identity import split_key
from kg.mapping import doc_type_names
from kg.refs import RefQuery, parse_ref
from kg.store import select
from kg.terms import dataset_iri, named_node, values
from kg.vocab import ELI, FOAF, project


@dataclass(frozen=True)
class Candidate:
    """A document a REF may name, with how many documents point to it directly."""

    iri: str
    key: str
    date: str | None
    implementers: int


@dataclass(frozen=True)
class Resolution:
    """The document chosen for a REF, and the other candidates (homonyms) it was chosen over."""

    chosen: Candidate
    others: list[Candidate] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return bool(self.others)

    def note(self) -> str | None:
        """One Vietnamese line for stderr when the REF was ambiguous."""
        if not self.others:
            return None
        others = ", ".join(c.key for c in self.others)
        return (f"“{self.chosen.key}” được chọn ({self.chosen.implementers} văn bản thực hiện); "
                f"cùng số hiệu còn: {others}. Ghi rõ năm (ví dụ {self.others[0].key}) để chọn văn bản khác.")


def _edge_values(base: str) -> str:
    ns = project(base).ns
    return values("p", [ns.implements, ns.implementsPartly, ELI.based_on])


def resolve(store: Store, base: str, ref: str | RefQuery) -> Resolution:
    """The document a REF names: among homonyms, the one most documents implement, else the newest.

    An IRI must be one of this dataset's (``base``); every typed value reaches the query as a
    validated term (:mod:`kg.terms`), never as text.
    """
    query = parse_ref(ref) if isinstance(ref, str) else ref
    if query.iri:
        candidates = _candidates(store, base, values("d", [dataset_iri(query.iri, base)]) + " ?d vnkg:key ?key .")
    else:
        candidates = []
        for number in query.numbers():
            candidates += _candidates(store, base, values("num", [Literal(number)])
                                      + " ?d eli:number ?num ; vnkg:key ?key .")
        if not candidates and query.number_prefix:
            candidates = _candidates(store, base, values("prefix", [Literal(query.number_prefix.lower())])
                                     + " ?d eli:number ?n ; vnkg:key ?key . FILTER STRSTARTS(LCASE(?n), ?prefix)")
    label = query.iri or query.number or f"{query.type_code} {query.seq}"
    if not candidates:
        raise UnknownReferenceError(f"Không tìm thấy văn bản “{label}” trong kho: "
                                    "hãy nạp văn bản (kg ingest) hoặc kiểm tra số, ký hiệu.")
    if query.year:
        candidates = [c for c in candidates if split_key(c.key)[1] == query.year]
        if not candidates:
            raise UnknownReferenceError(f"Không có văn bản “{label}” năm {query.year} trong kho.")
    ranked = sorted(candidates, key=lambda c: (c.implementers, split_key(c.key)[1] is not None, c.date or ""),
                    reverse=True)
    return Resolution(ranked[0], ranked[1:])


def _candidates(store: Store, base: str, pattern: str) -> list[Candidate]:
    """Candidates matching ``pattern``, which is constants and :func:`kg.terms.values` rows only."""
    rows = select(store, base, f"""
        SELECT ?d (SAMPLE(?key) AS ?k) (MAX(?date) AS ?dt) (COUNT(DISTINCT ?c) AS ?n) WHERE {{
          {pattern}
          OPTIONAL {{ ?d eli:date_document ?date }}
          OPTIONAL {{ {_edge_values(base)} ?c ?p ?d }}
        }} GROUP BY ?d""")
    return [Candidate(r["d"].value, r["k"].value, r["dt"].value if r["dt"] else None, int(r["n"].value))
            for r in rows if r["d"] is not None]


def _children(store: Store, base: str, parents: list[str]) -> list[tuple[str, str, str]]:
    """Edges ``(child, property, parent)`` into ``parents``, by direct index lookups (POS index)."""
    ns = project(base).ns
    props = (ns.implements, ns.implementsPartly, ELI.based_on)
    edges = set()
    for parent in parents:
        node = NamedNode(parent)
        for prop in props:
            for quad in store.quads_for_pattern(None, prop, node, None):
                if isinstance(quad.subject, NamedNode):
                    edges.add((quad.subject.value, prop.value, parent))
    return sorted(edges)


def _shortest(target: str, children: dict[str, list[tuple[str, bool]]], full_only: bool) -> dict[str, str]:
    """BFS from ``target`` down the cascade; node → its next node towards ``target``."""
    towards: dict[str, str] = {}
    queue = deque([target])
    while queue:
        node = queue.popleft()
        for child, partial in children.get(node, ()):
            if (full_only and partial) or child == target or child in towards:
                continue
            towards[child] = node
            queue.append(child)
    return towards


def cascade(store: Store, base: str, iri: str) -> dict[str, tuple[str, list[str]]]:
    """Every document in the cascade of ``iri``: IRI → (relation, via IRIs from it towards ``iri``)."""
    partly = project(base).ns.implementsPartly.value
    children: dict[str, list[tuple[str, bool]]] = {}
    seen = {iri}
    frontier = [iri]
    while frontier:
        nxt = []
        for child, prop, parent in _children(store, base, frontier):
            children.setdefault(parent, []).append((child, prop == partly))
            if child not in seen:
                seen.add(child)
                nxt.append(child)
        frontier = nxt
    full = _shortest(iri, children, full_only=True)
    anyway = _shortest(iri, children, full_only=False)
    result = {}
    for node in anyway:
        relation, towards = ("implements", full) if node in full else ("implements_partly", anyway)
        via, step = [], towards[node]
        while step != iri:
            via.append(step)
            step = towards[step]
        result[node] = (relation, via)
    return result


def members_by_path(store: Store, base: str, iri: str) -> set[str]:
    """The cascade's members by one SPARQL property-path query (no relation, no via)."""
    ns = project(base).ns
    path = f"({ns.implements}|{ns.implementsPartly}|{ELI.based_on})+"
    target = values("target", [named_node(iri)])
    rows = select(store, base, f"SELECT DISTINCT ?x WHERE {{ {target} ?x {path} ?target }}")
    return {r["x"].value for r in rows} - {iri}


def describe(store: Store, base: str, iris: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Key, number, type, issuer, date, title and source file of each document.

    A fact from the document's own file wins over the registry, which wins over citations.
    """
    iris = list(dict.fromkeys(iris))
    ns = project(base).ns
    props = {ns.key.value: "key", ELI.number.value: "number", ELI.type_document.value: "doc_type",
             ELI.date_document.value: "date", ELI.title.value: "title", ns.issuerName.value: "issuer"}
    registry = project(base).registry_graph.value
    sources: dict[str, list[tuple[str, str]]] = {}
    facts: dict[str, list[tuple[str, str, str]]] = {}
    # Direct index lookups: a SPARQL join with GRAPH ?g scanned every graph (seconds at 100k files).
    for iri in iris:
        node = NamedNode(iri)
        for quad in store.quads_for_pattern(None, FOAF.primaryTopic, node, None):
            graph = quad.graph_name
            for path in store.quads_for_pattern(graph, ns.sourcePath, None, graph):
                sources.setdefault(iri, []).append((graph.value, path.object.value))
        for quad in store.quads_for_pattern(node, None, None, None):
            if quad.predicate.value in props and isinstance(quad.graph_name, NamedNode):
                facts.setdefault(iri, []).append((quad.graph_name.value, quad.predicate.value, quad.object.value))
    type_names = doc_type_names()
    out = {}
    for iri in iris:
        own = {g for g, _ in sources.get(iri, [])}

        def rank(item: tuple[str, str, str], own: set[str] = own) -> tuple[int, int, str]:
            graph, _, value = item
            return (0 if graph in own else 1 if graph == registry else 2, -len(value), value)

        info: dict[str, Any] = {"key": None, "iri": iri, "number": None, "doc_type": None, "issuer": None,
                                "date": None, "title": None}
        for item in sorted(facts.get(iri, []), key=rank):
            name = props[item[1]]
            if info[name] is None:
                info[name] = item[2]
        if info["doc_type"]:
            info["doc_type"] = type_names.get(info["doc_type"].rsplit("/", 1)[-1], info["doc_type"])
        paths = sorted(p for _, p in sources.get(iri, []))
        info["source"] = paths[0] if paths else None
        out[iri] = info
    return out


def implementers(store: Store, base: str, iri: str) -> dict[str, Any]:
    """The JSON of ``kg implements --json`` (SPEC section 5) for the document ``iri``."""
    members = cascade(store, base, iri)
    info = describe(store, base, [iri, *members, *(v for _, via in members.values() for v in via)])
    directive = {k: info[iri][k] for k in ("key", "iri", "number", "doc_type", "date", "title")}
    documents = []
    for node, (relation, via) in members.items():
        row = {k: v for k, v in info[node].items() if k != "source"}
        row.update(relation=relation, via=[info[v]["key"] or v for v in via], source=info[node]["source"])
        documents.append(row)
    documents.sort(key=lambda d: (len(d["via"]), d["date"] or "", d["key"] or d["iri"]))
    return {"directive": directive, "documents": documents}


def implements(store: Store, base: str, ref: str) -> tuple[dict[str, Any], Resolution]:
    """Resolve ``ref`` and list its cascade; the resolution tells which homonym was chosen."""
    resolution = resolve(store, base, ref)
    return implementers(store, base, resolution.chosen.iri), resolution

