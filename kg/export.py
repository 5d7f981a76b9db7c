"""The whole graph as Turtle (all graphs merged), N-Quads or JSON-LD (named graphs kept)."""

from __future__ import annotations

from typing import IO

from pyoxigraph import RdfFormat, Store, serialize

from kg.vocab import prefixes

FORMATS = {"turtle": RdfFormat.TURTLE, "nquads": RdfFormat.N_QUADS, "jsonld": RdfFormat.JSON_LD}


def export(store: Store, base: str, fmt: str, output: IO[bytes]) -> None:
    """Write the store to ``output`` in ``fmt`` (``turtle``, ``nquads`` or ``jsonld``).

    Turtle has no named graphs, so it gets the union of every graph without duplicates;
    N-Quads and JSON-LD keep one named graph per ingested file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "turtle":
        triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        serialize(triples, output, RdfFormat.TURTLE, prefixes=prefixes(base))
    elif fmt == "jsonld":
        store.dump(output, RdfFormat.JSON_LD, prefixes=prefixes(base))
    else:
        store.dump(output, RdfFormat.N_QUADS)
