"""The persistent graph store: one named graph per ingested file, replaced atomically.

A file's graph is named by its content (``graph/file/<sha256>``), never by the path of the machine
that ingested it; the path is provenance inside the graph (``vnkg:sourcePath``).

Atomicity: ``pyoxigraph.Store.update`` runs a whole SPARQL UPDATE request (several operations
separated by ``;``) as one transaction — its docstring: "Updates are applied in a transactional
manner: either the full operation succeeds, or nothing is written to the database" (pyoxigraph
0.5, ``help(pyoxigraph.Store.update)``; in Oxigraph's Rust code ``Store::update_opt`` evaluates
the request inside ``storage.transaction``). So each file is written as one request
``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } }`` whose data includes the file's
provenance (path, sha256, time, extractor version). The sha256 triple is the completion record:
a process killed with SIGKILL leaves each file either fully written or not at all, and the next
ingest writes the missing ones. ``Store.bulk_extend`` is *not* transactional and is never used
for file graphs. :func:`repair` still drops any file graph that lacks its completion record
(e.g. one loaded by hand), so the next ingest rewrites it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

from kg.document import ExtractedDocument
from kg.mapping import document_quads, provenance_quads, registry_quads, subject_iri
from kg.terms import values
from kg.vocab import ONTOLOGY_BASE, PROV, ontology_turtle, project, sparql_prefixes

INGESTED, REPLACED, UNCHANGED = "ingested", "replaced", "unchanged"


def open_store(path: Path | str) -> Store:
    """Open (creating if needed) the on-disk store at ``path``."""
    Path(path).mkdir(parents=True, exist_ok=True)
    return Store(str(path))


def file_graph(base: str, sha256: str) -> NamedNode:
    """The named graph of one file's content: ``<base>graph/file/<sha256>``.

    Named by content, not by path: the machine's directories never reach an IRI, and a file moved or
    renamed with the same content is the same graph (its ``sourcePath`` says where it was last seen).
    """
    return NamedNode(project(base).file_graphs + quote(sha256, safe=""))


@dataclass(frozen=True)
class FileRecord:
    """The completion record of one file graph: what was ingested, from where, by which extractor."""

    graph: NamedNode
    sha256: str
    path: str | None
    extractor_version: str | None


def file_record(store: Store, base: str, graph: NamedNode) -> FileRecord | None:
    """The completion record of ``graph``, ``None`` when it has none (not ingested, or incomplete)."""
    sha = stored_sha256(store, base, graph)
    if sha is None:
        return None
    ns = project(base).ns
    path = next((q.object.value for q in store.quads_for_pattern(graph, ns.sourcePath, None, graph)), None)
    version = None
    for agent in store.quads_for_pattern(graph, PROV.wasAttributedTo, None, graph):
        for quad in store.quads_for_pattern(agent.object, ns.extractorVersion, None, graph):  # type: ignore[arg-type]
            version = quad.object.value
    return FileRecord(graph, sha, path, version)


def graphs_of_path(store: Store, base: str, path: Path | str) -> list[NamedNode]:
    """File graphs whose recorded source is ``path`` (earlier versions of that file)."""
    ns = project(base).ns
    literal = Literal(str(Path(path).resolve()))
    return sorted({q.graph_name for q in store.quads_for_pattern(None, ns.sourcePath, literal, None)
                   if isinstance(q.graph_name, NamedNode)}, key=lambda g: g.value)


def select(store: Store, base: str, query: str, **bindings: Any) -> list[dict[str, Any]]:
    """Run a SELECT over the union of all graphs with the project prefixes; rows as ``{var: term}``."""
    solutions = store.query(sparql_prefixes(base) + query, use_default_graph_as_union=True, **bindings)
    names = [v.value for v in solutions.variables]
    return [{n: row[n] for n in names} for row in solutions]


def stored_sha256(store: Store, base: str, graph: NamedNode) -> str | None:
    """The sha256 recorded in a graph's completion record, ``None`` when absent."""
    ns = project(base).ns
    for quad in store.quads_for_pattern(graph, ns.sha256, None, graph):
        return quad.object.value
    return None


def _insert_request(graph: NamedNode, quads: Iterable[Quad], drop: Iterable[NamedNode] = ()) -> str:
    body = " .\n".join(str(q.triple) for q in quads)
    # Terms only: str(NamedNode) is its validated N-Triples form, <iri>.
    drops = "".join(f"DROP SILENT GRAPH {g} ;\n" for g in dict.fromkeys([*drop, graph]))
    return f"{drops}INSERT DATA {{ GRAPH {graph} {{\n{body} .\n}} }}"


def replace_graph(store: Store, graph: NamedNode, quads: Iterable[Quad], drop: Iterable[NamedNode] = ()) -> None:
    """Replace the content of ``graph`` by ``quads`` (and drop the graphs ``drop``) in one transaction."""
    store.update(_insert_request(graph, quads, drop))


def write_document(store: Store, base: str, doc: ExtractedDocument, *, path: Path | str,
                   extractor_version: str, now: datetime | None = None, force: bool = False) -> str:
    """Write one extracted file into its named graph; ``ingested``, ``replaced`` or ``unchanged``.

    The graph is named by the file's sha256. Unchanged: that graph is complete, written by the same
    extractor version, from the same path (``force`` rewrites it anyway). Otherwise it is rewritten,
    and the graphs of earlier versions of the file at ``path`` are dropped in the same transaction.
    """
    sha = doc["source"]["sha256"]
    graph = file_graph(base, sha)
    resolved = str(Path(path).resolve())
    record = file_record(store, base, graph)
    earlier = [g for g in graphs_of_path(store, base, resolved) if g != graph]
    if not force and record and record.extractor_version == extractor_version and record.path == resolved \
            and not earlier:
        return UNCHANGED
    quads = document_quads(base, doc, graph)
    doc_node = subject_iri(base, doc)
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    quads += provenance_quads(base, graph, doc_node, path=resolved, sha256=sha,
                              file_format=doc["source"].get("format"), generated_at=when,
                              extractor_version=extractor_version)
    replace_graph(store, graph, quads, drop=earlier)
    return INGESTED if record is None and not earlier else REPLACED


def remove_file(store: Store, base: str, path: Path | str) -> bool:
    """Drop the graphs of one file (every version recorded at ``path``); ``True`` when there was one."""
    graphs = graphs_of_path(store, base, path)
    for graph in graphs:
        store.remove_graph(graph)
    return bool(graphs)


def _content_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replace_if_changed(store: Store, base: str, graph: NamedNode, sha: str, quads: list[Quad]) -> bool:
    if stored_sha256(store, base, graph) == sha:
        return False
    quads.append(Quad(graph, project(base).ns.sha256, Literal(sha), graph))
    replace_graph(store, graph, quads)
    return True


def load_reference_graphs(store: Store, base: str, registry_entries: Iterable[Mapping[str, Any]]) -> bool:
    """Load the ontology and the registry of central documents into their own named graphs.

    ``registry_entries`` are plain dicts (number, date, issuer, doc_type, title, implements).
    Each graph is rewritten only when its content changed. ``True`` when something was written.
    """
    p = project(base)
    turtle = ontology_turtle().replace(ONTOLOGY_BASE, base)
    onto_graph = NamedNode(base + "graph/ontology")
    onto = [Quad(t.subject, t.predicate, t.object, onto_graph)
            for t in parse(turtle, format=RdfFormat.TURTLE)]
    changed = _replace_if_changed(store, base, onto_graph, _content_sha(turtle), onto)
    entries = [dict(e) for e in registry_entries]
    registry_sha = _content_sha(json.dumps(entries, ensure_ascii=False, sort_keys=True, default=list))
    changed |= _replace_if_changed(store, base, p.registry_graph, registry_sha,
                                   registry_quads(base, entries, p.registry_graph))
    return changed


def repair(store: Store, base: str) -> list[str]:
    """Drop file graphs without a completion record (sha256); returns their IRIs."""
    prefix = project(base).file_graphs
    dropped = []
    for graph in list(store.named_graphs()):
        if isinstance(graph, NamedNode) and graph.value.startswith(prefix) \
                and stored_sha256(store, base, graph) is None:
            store.remove_graph(graph)
            dropped.append(graph.value)
    return dropped


def ingested_files(store: Store, base: str) -> list[dict[str, Any]]:
    """Every ingested file: graph, path, sha256, time, extractor version and its document's key."""
    rows = select(store, base, """
        SELECT ?g ?path ?sha ?time ?version ?doc ?key WHERE {
          GRAPH ?g { ?g a prov:Entity ; vnkg:sourcePath ?path ; vnkg:sha256 ?sha ;
                        prov:generatedAtTime ?time ; foaf:primaryTopic ?doc ; prov:wasAttributedTo ?a .
                     ?a vnkg:extractorVersion ?version . OPTIONAL { ?doc vnkg:key ?key } }
        } ORDER BY ?path""")
    return [{"graph": r["g"].value, "path": r["path"].value, "sha256": r["sha"].value,
             "time": r["time"].value, "extractor_version": r["version"].value, "iri": r["doc"].value,
             "key": r["key"].value if r["key"] else None} for r in rows]


def stats(store: Store, base: str) -> dict[str, int]:
    """Counts for ``kg stats``: files, documents (ingested / cited only), organizations, ..."""
    prefix = project(base).file_graphs

    def count(query: str) -> int:
        rows = select(store, base, f"SELECT (COUNT(*) AS ?n) WHERE {{ {query} }}")
        return int(rows[0]["n"].value)

    return {
        "files": count(f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g vnkg:sha256 ?s }} '
                       f'FILTER STRSTARTS(STR(?g), {Literal(prefix)}) }}'),
        "documents": count("SELECT DISTINCT ?d WHERE { ?d a eli:LegalResource }"),
        "ingested_documents": count("SELECT DISTINCT ?d WHERE { GRAPH ?g { ?g foaf:primaryTopic ?d } }"),
        "organizations": count("SELECT DISTINCT ?o WHERE { ?o a org:FormalOrganization }"),
        "provisions": count("SELECT DISTINCT ?p WHERE { ?p a eli:LegalResourceSubdivision }"),
        "tasks": count("SELECT DISTINCT ?t WHERE { ?t a vnkg:Task }"),
        "implements_links": count(
            "SELECT DISTINCT ?a ?b WHERE { ?a vnkg:implements|vnkg:implementsPartly ?b }"),
        "based_on_links": count("SELECT DISTINCT ?a ?b WHERE { ?a eli:based_on ?b }"),
        "named_graphs": sum(1 for _ in store.named_graphs()),
        "quads": len(store),
    }


def known_keys(store: Store, base: str, number: str, *, padded: str | None = None) -> list[str]:
    """Keys with a year that ingested files give to documents printed with ``number``.

    Extraction uses them to date a citation that the citing text leaves undated.
    """
    prefix = project(base).file_graphs
    numbers = values("n", [Literal(n) for n in dict.fromkeys(filter(None, (number, padded)))])
    rows = select(store, base, f"""SELECT DISTINCT ?key WHERE {{
        {numbers}
        GRAPH ?g {{ ?d eli:number ?n ; vnkg:key ?key }}
        FILTER(STRSTARTS(STR(?g), {Literal(prefix)}) && !STRENDS(?key, "@?"))
    }}""")
    return sorted(row["key"].value for row in rows)
