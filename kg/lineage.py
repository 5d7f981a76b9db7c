"""Provision lineage in the graph: which provision of a parent plan each child provision comes from.

One named graph per child document (``<base>graph/lineage/<child slug>``), replaced whenever its
lineage is recomputed. For every comparison of a child with a parent:

- ``<child doc>/reuse/<parent slug>`` a ``vnkg:ReuseComparison`` with ``vnkg:childDocument``,
  ``vnkg:parentDocument`` and ``vnkg:copiedShare``: the record that lineage was computed;
- for each copied or adapted child provision ``<child provision> prov:wasDerivedFrom <parent
  provision>`` and a qualified derivation ``prov:qualifiedDerivation [ prov:entity <parent provision>;
  vnkg:reuseKind vnkg:copied|vnkg:adapted; vnkg:similarity x; vnkg:inComparison <comparison> ]``.

A child provision of a compared pair without derivation is new. Pure functions plus one writer;
terms are validated ``NamedNode`` / ``Literal`` objects, never text built from input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad, Store, Variable

from kg.store import replace_graph, select
from kg.text import slugify
from kg.vocab import PROV, RDF, XSD, project

KINDS = ("copied", "adapted")


@dataclass(frozen=True)
class ProvisionLink:
    """One child provision and, unless it is new, the parent provision it derives from."""

    child: str  # provision IRI
    parent: str | None
    kind: str  # copied | adapted | new
    similarity: float


@dataclass(frozen=True)
class Comparison:
    """A child document compared with one parent document."""

    child_iri: str
    child_key: str
    parent_iri: str
    parent_key: str
    copied_share: float
    links: Sequence[ProvisionLink]


def lineage_graph(base: str, child_key: str) -> NamedNode:
    """The named graph holding a child document's lineage."""
    return NamedNode(f"{base}graph/lineage/{slugify(child_key)}")


def comparison_quads(base: str, comparison: Comparison, graph: NamedNode) -> list[Quad]:
    """Quads of one comparison (see the module docstring)."""
    ns = project(base).ns
    node = NamedNode(f"{comparison.child_iri}/reuse/{slugify(comparison.parent_key)}")
    quads = [
        Quad(node, RDF.type, ns.ReuseComparison, graph),
        Quad(node, ns.childDocument, NamedNode(comparison.child_iri), graph),
        Quad(node, ns.parentDocument, NamedNode(comparison.parent_iri), graph),
        Quad(node, ns.copiedShare, Literal(f"{comparison.copied_share:.4f}", datatype=XSD.decimal), graph),
    ]
    for link in comparison.links:
        if link.parent is None or link.kind not in KINDS:
            continue
        child, parent = NamedNode(link.child), NamedNode(link.parent)
        derivation = NamedNode(f"{link.child}/derivation/{slugify(comparison.parent_key)}")
        quads += [
            Quad(child, PROV.wasDerivedFrom, parent, graph),
            Quad(child, PROV.qualifiedDerivation, derivation, graph),
            Quad(derivation, RDF.type, PROV.Derivation, graph),
            Quad(derivation, PROV.entity, parent, graph),
            Quad(derivation, ns.reuseKind, ns[link.kind], graph),
            Quad(derivation, ns.similarity, Literal(f"{link.similarity:.4f}", datatype=XSD.decimal), graph),
            Quad(derivation, ns.inComparison, node, graph),
        ]
    return quads


def write_lineage(store: Store, base: str, child_key: str, comparisons: Iterable[Comparison]) -> None:
    """Replace the child's lineage graph by these comparisons (one transaction); none drops it."""
    graph = lineage_graph(base, child_key)
    quads = [q for c in comparisons for q in comparison_quads(base, c, graph)]
    if quads:
        replace_graph(store, graph, quads)
    elif store.contains_named_graph(graph):
        store.remove_graph(graph)


def parents_of(store: Store, base: str, child_iri: str) -> list[str]:
    """Keys of the documents that ``child_iri`` is based on."""
    rows = select(store, base, "SELECT DISTINCT ?child ?key WHERE { ?child eli:based_on ?p . ?p vnkg:key ?key }",
                  substitutions={Variable("child"): NamedNode(child_iri)})
    return sorted(r["key"].value for r in rows)


def children_of(store: Store, base: str, parent_iri: str) -> list[str]:
    """Keys of the documents based on ``parent_iri``."""
    rows = select(store, base, "SELECT DISTINCT ?parent ?key WHERE { ?c eli:based_on ?parent . ?c vnkg:key ?key }",
                  substitutions={Variable("parent"): NamedNode(parent_iri)})
    return sorted(r["key"].value for r in rows)
