"""Namespaces and terms of the graph (ELI, W3C ORG, PROV, DCTERMS, SKOS and the project's own).

Every term the code writes is declared in ``kg/ontology.ttl``; ``tests/test_graph_ontology.py``
keeps the two in step. Terms are ``pyoxigraph.NamedNode`` objects built from a base IRI, so
nothing here holds configuration: call :func:`project` with the settings' base IRI.

>>> ELI.based_on.value
'http://data.europa.eu/eli/ontology#based_on'
>>> project("https://w3id.org/vnkg/").ns.implements.value
'https://w3id.org/vnkg/ontology#implements'
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from pyoxigraph import NamedNode


class Namespace:
    """``ns.term`` / ``ns["term"]`` → ``NamedNode(prefix + term)``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return NamedNode(self.prefix + name)

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.prefix + name)


RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

# Prefixes for SPARQL text and Turtle output (the project prefix is added by :func:`prefixes`).
STANDARD_PREFIXES: dict[str, str] = {
    "rdf": RDF.prefix,
    "rdfs": RDFS.prefix,
    "xsd": XSD.prefix,
    "owl": OWL.prefix,
    "eli": ELI.prefix,
    "org": ORG.prefix,
    "prov": PROV.prefix,
    "dcterms": DCTERMS.prefix,
    "skos": SKOS.prefix,
    "foaf": FOAF.prefix,
}

# The IRI the ontology file is written against; the store uses the configured base instead.
ONTOLOGY_BASE = "https://w3id.org/vnkg/"


@dataclass(frozen=True)
class Project:
    """The project's IRI spaces under one base IRI (``https://w3id.org/vnkg/``)."""

    base: str

    @property
    def ns(self) -> Namespace:
        """Ontology terms: ``<base>ontology#``."""
        return Namespace(self.base + "ontology#")

    @property
    def types(self) -> Namespace:
        """SKOS concepts of document types: ``<base>type/<slug>``."""
        return Namespace(self.base + "type/")

    @property
    def type_scheme(self) -> NamedNode:
        """The SKOS concept scheme of document types."""
        return NamedNode(self.base + "type")

    @property
    def file_graphs(self) -> str:
        """Prefix of the named graph of each ingested file."""
        return self.base + "graph/file/"

    @property
    def registry_graph(self) -> NamedNode:
        """The named graph holding the registry of central documents."""
        return NamedNode(self.base + "graph/registry")

    @property
    def extractor(self) -> Namespace:
        """Agents (extractor versions) that produced the file graphs."""
        return Namespace(self.base + "agent/")


def project(base: str) -> Project:
    """The project's namespaces under ``base`` (must end with ``/``)."""
    return Project(base)


def prefixes(base: str) -> dict[str, str]:
    """All prefixes, the project's included (``vnkg:``)."""
    return {**STANDARD_PREFIXES, "vnkg": project(base).ns.prefix}


def sparql_prefixes(base: str) -> str:
    """``PREFIX`` lines for SPARQL text."""
    return "".join(f"PREFIX {p}: {NamedNode(iri)}\n" for p, iri in prefixes(base).items())  # validated IRIs


def ontology_turtle() -> str:
    """The ontology shipped with the package (``kg/ontology.ttl``)."""
    return resources.files("kg").joinpath("ontology.ttl").read_text(encoding="utf-8")
