"""Read models of the JSON API, as SPARQL over the graph vocabulary (``kg/vocab.py``).

Every function takes the store and the base IRI and returns plain JSON-shaped values. User input
reaches query text only as terms printed by pyoxigraph (``str(Literal(x))``, :func:`kg.terms.named_node`,
:func:`kg.terms.values`), which escape literals and validate IRIs (an invalid IRI is a
:class:`kg.terms.InvalidIriError`, answered with 400).
"""

from __future__ import annotations

import re
from typing import Any

from pyoxigraph import Literal, NamedNode, Store

from kg.cascade import describe as describe_documents
from kg.hierarchy import build_hierarchy, focus, layered_layout, neighbourhood
from kg.identity import TYPE_NAMES, canonical_code
from kg.store import select
from kg.terms import named_node, values
from kg.text import slugify
from kg.vocab import project, sparql_prefixes


def _value(term: Any) -> str | None:
    return None if term is None else term.value


def type_iri(base: str, doc_type: str) -> NamedNode:
    """The SKOS concept of a type code (``KH``) or name (``Kế hoạch``)."""
    name = TYPE_NAMES.get(canonical_code(doc_type.strip()), doc_type)
    return project(base).types[slugify(name)]


def list_documents(store: Store, base: str, *, doc_type: str | None = None, issuer: str | None = None,
                   year: int | None = None, since: str | None = None, until: str | None = None,
                   ingested: bool | None = None, text: str | None = None,
                   limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Documents matching every given filter, newest first: ``{"total", "documents"}``."""
    filters: list[str] = []
    if doc_type:
        filters.append(f"?d eli:type_document {type_iri(base, doc_type)} .")
    if issuer:
        filters.append("FILTER EXISTS { { ?d eli:passed_by/skos:prefLabel ?il } UNION { ?d vnkg:issuerName ?il } "
                       f"FILTER(CONTAINS(LCASE(STR(?il)), LCASE({Literal(issuer)}))) }}")
    if year is not None:
        filters.append(f"FILTER EXISTS {{ ?d eli:date_document ?fy FILTER(YEAR(?fy) = {int(year)}) }}")
    if since:
        filters.append(f"FILTER EXISTS {{ ?d eli:date_document ?fs FILTER(STR(?fs) >= {Literal(since)}) }}")
    if until:
        filters.append(f"FILTER EXISTS {{ ?d eli:date_document ?fu FILTER(STR(?fu) <= {Literal(until)}) }}")
    if ingested is not None:
        filters.append(("" if ingested else "FILTER NOT EXISTS ")
                       + "{ GRAPH ?fg { ?fg foaf:primaryTopic ?d } }")
    if text:
        filters.append("FILTER EXISTS { ?d eli:title|eli:number|vnkg:key ?ft "
                       f"FILTER(CONTAINS(LCASE(STR(?ft)), LCASE({Literal(text)}))) }}")
    where = "\n  ".join(filters)
    count = select(store, base, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a eli:LegalResource ; "
                                f"vnkg:key ?k . {where} }}")
    rows = select(store, base, f"""SELECT ?d (MAX(?date_) AS ?date) (MIN(?key_) AS ?key) WHERE {{
        ?d a eli:LegalResource ; vnkg:key ?key_ . {where} OPTIONAL {{ ?d eli:date_document ?date_ }} }}
        GROUP BY ?d ORDER BY DESC(?date) ?key LIMIT {int(limit)} OFFSET {int(offset)}""")
    iris = [r["d"].value for r in rows]
    found = summaries(store, base, iris)
    return {"total": int(count[0]["n"].value), "documents": [found[i] for i in iris if i in found]}


def summaries(store: Store, base: str, iris: list[str]) -> dict[str, dict[str, Any]]:
    """Summaries of the given documents, by IRI, in the shape of ``kg implements --json``."""
    return {iri: info for iri, info in describe_documents(store, base, iris).items() if info["key"]}


def find_document(store: Store, base: str, key: str) -> str | None:
    """The IRI of the document whose key is ``key``."""
    rows = select(store, base, f"SELECT ?d WHERE {{ ?d vnkg:key {Literal(key)} }} LIMIT 1")
    return rows[0]["d"].value if rows else None


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _natural(identifier: str) -> tuple[tuple[int, str], ...]:
    """Sort key for provision ids: ``II.10`` after ``II.2``, ``IV`` before ``IX``."""
    parts = []
    for part in re.split(r"[.\s]+", identifier or ""):
        if part.isdigit():
            parts.append((int(part), ""))
        elif part and all(c in _ROMAN for c in part.upper()):
            values = [_ROMAN[c] for c in part.upper()]
            parts.append((sum(-v if i + 1 < len(values) and v < values[i + 1] else v
                              for i, v in enumerate(values)), ""))
        else:
            parts.append((10**6, part))
    return tuple(parts)


_RELATIONS = {  # JSON name → (property, direction)
    "implements": ("vnkg:implements", "out"),
    "implements_partly": ("vnkg:implementsPartly", "out"),
    "based_on": ("eli:based_on", "out"),
    "cites": ("eli:cites", "out"),
    "implemented_by": ("vnkg:implements", "in"),
    "implemented_partly_by": ("vnkg:implementsPartly", "in"),
    "basis_of": ("eli:based_on", "in"),
    "cited_by": ("eli:cites", "in"),
}


def document_detail(store: Store, base: str, iri: str) -> dict[str, Any] | None:
    """One document with its provisions, tasks, issuer and relations in both directions."""
    doc = summaries(store, base, [iri]).get(iri)
    if doc is None:
        return None
    me = str(named_node(iri))
    issuer = select(store, base, f"""SELECT ?o (SAMPLE(?l) AS ?label) (SAMPLE(?lv) AS ?level) WHERE {{
        {me} eli:passed_by ?o . OPTIONAL {{ ?o skos:prefLabel ?l }} OPTIONAL {{ ?o vnkg:level ?lv }} }} GROUP BY ?o""")
    doc["organization"] = ({"iri": issuer[0]["o"].value, "name": _value(issuer[0]["label"]),
                            "level": _value(issuer[0]["level"])} if issuer else None)
    provisions = select(store, base, f"""SELECT ?p (SAMPLE(?i) AS ?id) (SAMPLE(?pa) AS ?path) (SAMPLE(?t) AS ?text)
        WHERE {{ {me} eli:has_part ?p . OPTIONAL {{ ?p dcterms:identifier ?i }} OPTIONAL {{ ?p vnkg:provisionPath ?pa }}
                OPTIONAL {{ ?p vnkg:text ?t }} }} GROUP BY ?p""")
    doc["provisions"] = sorted(
        ({"iri": r["p"].value, "id": _value(r["id"]),
          "path": (_value(r["path"]) or "").split(" › ") if r["path"] else [], "text": _value(r["text"])}
         for r in provisions), key=lambda p: _natural(p["id"] or ""))
    tasks = select(store, base, f"""SELECT ?t (SAMPLE(?x) AS ?text) (SAMPLE(?pi) AS ?provision)
        (GROUP_CONCAT(DISTINCT ?u; SEPARATOR="\\u001f") AS ?units) (SAMPLE(?dl) AS ?deadline)
        WHERE {{ {me} vnkg:hasTask ?t . OPTIONAL {{ ?t vnkg:text ?x }}
                OPTIONAL {{ ?t vnkg:inProvision/dcterms:identifier ?pi }}
                OPTIONAL {{ ?t vnkg:responsibleUnit ?u }} OPTIONAL {{ ?t vnkg:deadline ?dl }} }} GROUP BY ?t""")
    doc["tasks"] = sorted(
        ({"iri": r["t"].value, "text": _value(r["text"]), "provision": _value(r["provision"]),
          "responsible": [u for u in (_value(r["units"]) or "").split("\x1f") if u],
          "deadline": _value(r["deadline"])} for r in tasks),
        key=lambda t: int(t["iri"].rsplit("/", 1)[-1]) if t["iri"].rsplit("/", 1)[-1].isdigit() else 0)
    doc["relations"] = relations(store, base, iri)
    return doc


def relations(store: Store, base: str, iri: str) -> dict[str, list[dict[str, Any]]]:
    """Documents linked to ``iri``, by relation name (see ``_RELATIONS``)."""
    branches = " UNION ".join(
        f'{{ ?d {prop} ?x BIND("{name}" AS ?rel) }}' if way == "out" else f'{{ ?x {prop} ?d BIND("{name}" AS ?rel) }}'
        for name, (prop, way) in _RELATIONS.items())
    me = values("d", [named_node(iri)])
    rows = select(store, base, f"SELECT DISTINCT ?rel ?x WHERE {{ {me} {branches} }}")
    linked = summaries(store, base, sorted({r["x"].value for r in rows}))
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in _RELATIONS}
    for r in rows:
        if r["x"].value in linked:
            out[r["rel"].value].append(linked[r["x"].value])
    for docs in out.values():
        docs.sort(key=lambda d: (d["date"] or "", d["key"] or ""))
    return out


def hierarchy(store: Store, base: str, *, root: str | None = None, depth: int | None = None,
              organizations: bool = True) -> dict[str, Any]:
    """The directive hierarchy (``kg graph``'s graph) as ``{"nodes", "edges", "bands"}`` with positions.

    ``root`` (an IRI) cuts it to the cascade around one document, ``depth`` steps each way.
    Nodes carry the layered layout's ``x`` / ``y`` (pixels; bands by level, time along x).
    """
    documents = None if root is None else neighbourhood(store, base, root, depth)
    graph = build_hierarchy(store, base, include_orgs=organizations, documents=documents)
    if root is not None:
        graph = focus(graph, root, depth)
    layout = layered_layout(graph)
    nodes = []
    for node, data in graph.nodes(data=True):
        x, y = layout.positions.get(node, (None, None))
        nodes.append({"id": node, **data, "x": x, "y": y})
    edges = [{"source": s, "target": t, "relation": d["relation"], "relations": d["relations"]}
             for s, t, d in graph.edges(data=True)]
    return {"nodes": nodes, "edges": edges, "bands": layout.bands, "width": layout.width, "height": layout.height}


def describe(store: Store, base: str, iri: str) -> list[Any]:
    """Triples about ``iri`` from every graph, and about its provisions and tasks (for dereferencing)."""
    me = str(named_node(iri))
    query = sparql_prefixes(base) + f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
        {{ BIND({me} AS ?s) }} UNION {{ {me} eli:has_part ?s }} UNION {{ {me} vnkg:hasTask ?s }}
        ?s ?p ?o }}"""
    return list(store.query(query, use_default_graph_as_union=True))


def incoming(store: Store, iri: str, limit: int = 500) -> list[tuple[Any, Any]]:
    """(subject, predicate) pairs pointing at ``iri``."""
    rows = store.query(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {named_node(iri)} }} LIMIT {int(limit)}",
                       use_default_graph_as_union=True)
    return [(row["s"], row["p"]) for row in rows]
