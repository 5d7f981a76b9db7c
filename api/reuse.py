"""Text reuse down the cascade over one corpus: compare a child with its parent, coverage of a parent.

Glue between the search index (provision texts and vectors, :mod:`search.lineage`) and the graph
(``based_on`` links, stored lineage, :mod:`kg.lineage`). :func:`update_lineage` is the ingest hook:
it recomputes the lineage of a document against its parents, and of the children already ingested
that are based on it, and stores it in the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg.errors import KgError
from kg.lineage import Comparison, ProvisionLink, children_of, parents_of, write_lineage
from kg.store import select
from search.lineage import Lineage, compare, provisions_of
from search.passages import DocumentInfo
from search.refs import parse_ref

if TYPE_CHECKING:
    from api.corpus import Corpus


class ReuseError(KgError):
    """A comparison that cannot be made (unknown document, no parent)."""


def resolve_document(corpus: Corpus, ref: str) -> DocumentInfo:
    """The ingested document a key or REF names (``42-KH/ĐU@2023``, ``KH 42``); a clear error otherwise."""
    documents = corpus.search.catalog.documents()
    exact = [d for d in documents if ref in (d.key, d.number)]
    if not exact and (pattern := parse_ref(ref)) is not None:
        exact = [d for d in documents if pattern.matches(d.key) or (d.number and pattern.matches(d.number))]
    if not exact:
        raise ReuseError(f"không có văn bản {ref!r} trong kho đã nạp")
    if len(exact) > 1:
        names = ", ".join(d.key for d in exact)
        raise ReuseError(f"{ref!r} chỉ nhiều văn bản ({names}): ghi rõ khóa, ví dụ {exact[0].key!r}")
    return exact[0]


def _indexed(corpus: Corpus, keys: list[str]) -> list[DocumentInfo]:
    by_key = corpus.search.catalog.documents_by_key(keys)
    return [by_key[k] for k in keys if k in by_key]


def parents(corpus: Corpus, child: DocumentInfo) -> list[DocumentInfo]:
    """The ingested documents ``child`` is based on."""
    return _indexed(corpus, parents_of(corpus.store, corpus.settings.base_iri, child.iri))


def children(corpus: Corpus, parent: DocumentInfo) -> list[DocumentInfo]:
    """The ingested documents based on ``parent``, oldest first."""
    found = _indexed(corpus, children_of(corpus.store, corpus.settings.base_iri, parent.iri))
    return sorted(found, key=lambda d: (d.date or "", d.key))


def lineage(corpus: Corpus, child: DocumentInfo, parent: DocumentInfo) -> Lineage:
    """Each provision of ``child`` against the provisions of ``parent``."""
    index = corpus.search
    return compare(child.key, provisions_of(index, child.key), parent.key, provisions_of(index, parent.key))


def compare_documents(corpus: Corpus, child_ref: str, parent_ref: str | None = None) -> Lineage:
    """``kg compare``: PARENT defaults to the (first ingested) document the child is based on."""
    child = resolve_document(corpus, child_ref)
    if parent_ref is not None:
        parent = resolve_document(corpus, parent_ref)
    else:
        found = parents(corpus, child)
        if not found:
            raise ReuseError(
                f"văn bản {child.key} không căn cứ văn bản nào đã nạp: ghi rõ văn bản cấp trên (PARENT)"
            )
        parent = found[0]
    return lineage(corpus, child, parent)


@dataclass(frozen=True)
class ChildCoverage:
    """Which provisions of the parent one child takes up."""

    key: str
    covered: list[str]
    missing: list[str]
    copied_share: float


def coverage(corpus: Corpus, parent_ref: str) -> tuple[DocumentInfo, list[ChildCoverage]]:
    """``kg coverage``: for every ingested document based on the parent, covered and missing provisions.

    Provision ids are listed in the parent's order; the preamble is no task and is left out.
    """
    parent = resolve_document(corpus, parent_ref)
    index = corpus.search
    parent_provisions = provisions_of(index, parent.key)
    out = []
    for child in children(corpus, parent):
        found = compare(child.key, provisions_of(index, child.key), parent.key, parent_provisions)
        out.append(ChildCoverage(child.key, found.covered(), found.missing(), found.copied_share))
    return parent, out


def coverage_json(parent: DocumentInfo, rows: list[ChildCoverage]) -> dict[str, Any]:
    """``kg coverage --json`` (SPEC section 9)."""
    return {
        "document": parent.key,
        "children": [{"key": r.key, "covered": r.covered, "missing": r.missing} for r in rows],
    }


def provision_ids(corpus: Corpus, document: DocumentInfo) -> list[str]:
    """Ids of the document's indexed provisions, in document order."""
    catalog = corpus.search.catalog
    ids = catalog.ids_of_documents([document.key])
    rows = catalog.passages(ids)
    return [rows[i].provision_id for i in ids if i in rows]


def task_deadlines(corpus: Corpus, document: DocumentInfo) -> dict[str, str]:
    """Provision id → earliest task deadline written in it, for the provisions of ``document`` with one."""
    from pyoxigraph import NamedNode, Variable

    rows = select(
        corpus.store,
        corpus.settings.base_iri,
        "SELECT ?doc ?id (MIN(STR(?deadline)) AS ?first) WHERE { ?doc vnkg:hasTask ?t . "
        "?t vnkg:inProvision ?p ; vnkg:deadline ?deadline . ?p dcterms:identifier ?id } GROUP BY ?doc ?id",
        substitutions={Variable("doc"): NamedNode(document.iri)},
    )
    return {r["id"].value: r["first"].value for r in rows if r["first"] is not None}


def _comparison(found: Lineage, child: DocumentInfo, parent: DocumentInfo) -> Comparison:
    links = [
        ProvisionLink(d.provision.iri, d.parent.iri if d.parent else None, d.kind, d.similarity)
        for d in found.derivations
    ]
    return Comparison(child.iri, child.key, parent.iri, parent.key, found.copied_share, links)


def store_lineage(corpus: Corpus, child: DocumentInfo) -> int:
    """Recompute and store ``child``'s lineage against every ingested parent; returns how many."""
    comparisons = [_comparison(lineage(corpus, child, p), child, p) for p in parents(corpus, child)]
    write_lineage(corpus.store, corpus.settings.base_iri, child.key, comparisons)
    return len(comparisons)


def update_lineage(corpus: Corpus, key: str) -> int:
    """Ingest hook for document ``key``: its own lineage, then that of its ingested children.

    Costs one graph lookup each way when the document has neither parent nor child in the corpus.
    Returns the number of comparisons stored.
    """
    document = corpus.search.catalog.documents_by_key([key]).get(key)
    if document is None:
        return 0
    stored = store_lineage(corpus, document)
    for child in children(corpus, document):
        stored += store_lineage(corpus, child)
    return stored


def forget_lineage(corpus: Corpus, iri: str) -> None:
    """After document ``iri`` is deleted: drop its lineage graphs and recompute its children's."""
    from pyoxigraph import NamedNode, Variable

    store, base = corpus.store, corpus.settings.base_iri
    rows = select(store, base, "SELECT DISTINCT ?d ?g WHERE { GRAPH ?g { ?c vnkg:childDocument ?d } }",
                  substitutions={Variable("d"): NamedNode(iri)})
    for row in rows:
        store.remove_graph(row["g"])
    for child in _indexed(corpus, children_of(store, base, iri)):
        store_lineage(corpus, child)
