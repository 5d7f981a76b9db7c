"""The knowledge graph of one store: REFs, cascades, document facts and the hierarchy, in one object.

``KnowledgeGraph(store, base)`` is what the CLI, the JSON API and the web UI ask; they no longer
assemble resolve → cascade → describe → hierarchy themselves. It is also the one definition of
"the cascade of a directive": ``kg implements``, ``/api/implements``, the document page's chain
and the ``--implements`` filter of search all read :meth:`KnowledgeGraph.implements`.
networkx (the hierarchy) is imported only when a picture is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyoxigraph import Store

from kg import cascade
from kg.cascade import Resolution

if TYPE_CHECKING:
    import networkx as nx


class KnowledgeGraph:
    """Questions to the graph of one store whose IRIs are minted under ``base``."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base

    def resolve(self, ref: str) -> Resolution:
        """The document a REF names (``Chỉ thị 23``, ``23-CT/TW@2018``, or an IRI of this dataset)."""
        return cascade.resolve(self.store, self.base, ref)

    def implementers(self, iri: str) -> dict[str, Any]:
        """``kg implements --json`` for the document ``iri``: the directive and its whole cascade."""
        return cascade.implementers(self.store, self.base, iri)

    def implements(self, ref: str) -> tuple[dict[str, Any], Resolution]:
        """Resolve ``ref`` and list its cascade; the resolution tells which homonym was chosen."""
        resolution = self.resolve(ref)
        return self.implementers(resolution.chosen.iri), resolution

    def describe(self, iris: list[str]) -> dict[str, dict[str, Any]]:
        """Key, number, type, issuer, date, title and source file of each document, by IRI."""
        return cascade.describe(self.store, self.base, iris)

    def hierarchy(self, *, organizations: bool = True, around: str | None = None,
                  depth: int | None = None) -> nx.DiGraph:
        """The directive hierarchy (documents, and committees when ``organizations``): the whole of it, or,
        ``around`` a document IRI, only what ``kg.hierarchy.focus(..., around, depth)`` can keep (read
        from the store step by step instead of loading every document)."""
        from kg.hierarchy import build_hierarchy, neighbourhood

        documents = None if around is None else neighbourhood(self.store, self.base, around, depth)
        return build_hierarchy(self.store, self.base, include_orgs=organizations, documents=documents)

    def organizations(self) -> dict[str, dict[str, Any]]:
        """Committees by IRI: label, level, parent."""
        from kg.hierarchy import organizations

        return organizations(self.store, self.base)


def cascade_keys(answer: dict[str, Any]) -> list[str]:
    """The keys of the documents in an :meth:`KnowledgeGraph.implements` answer (for search filters).

    >>> cascade_keys({"directive": {"key": "23-CT/TW@2018"}, "documents": [{"key": "1-KH/TU@2019"}, {"key": None}]})
    ['1-KH/TU@2019']
    """
    return [doc["key"] for doc in answer["documents"] if doc["key"]]
