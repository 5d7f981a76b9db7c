"""Dereferencing: ``/doc/...`` and ``/org/...`` answer for the IRIs minted under the base IRI.

A request path ``/doc/tw/2018/23-ct-tw`` stands for ``<base>doc/tw/2018/23-ct-tw``. A browser
gets an HTML page; other clients get Turtle, N-Triples, JSON-LD or RDF/XML by Accept (or
``?format=``).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import queries
from api.corpus import Corpus
from api.errors import ApiError
from api.negotiation import graph_type, wants_html
from kg.vocab import prefixes

router = APIRouter(tags=["IRI"])


def _compact(iri: str, names: dict[str, str]) -> str:
    for prefix, namespace in names.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _local(iri: str, base: str) -> str:
    """A link that stays on this server for IRIs minted under the base."""
    return "/" + iri[len(base):] if iri.startswith(base) else iri


def _cell(term: Any, base: str, names: dict[str, str]) -> dict[str, str | None]:
    if isinstance(term, ox.NamedNode):
        return {"text": _compact(term.value, names), "href": _local(term.value, base)}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "href": None}
    return {"text": str(term), "href": None}


def _dereference(request: Request, kind: str, rest: str) -> Response:
    corpus: Corpus = request.app.state.corpus
    base = corpus.settings.base_iri
    iri = f"{base}{kind}/{rest}"
    triples = queries.describe(corpus.store, base, iri)
    if not triples and not queries.incoming(corpus.store, iri, limit=1):
        raise ApiError(404, "unknown_resource", f"Không có tài nguyên <{iri}> trong đồ thị.")
    accept = request.headers.get("accept")
    fmt = request.query_params.get("format")
    names = prefixes(base)
    if fmt is None and wants_html(accept):
        own = [t for t in triples if t.subject == ox.NamedNode(iri)]
        labels = [t.object.value for t in own if t.predicate.value.endswith(("#title", "#prefLabel", "#number"))]
        return request.app.state.templates.TemplateResponse(request, "resource.html", {
            "iri": iri, "label": labels[0] if labels else iri,
            "outgoing": [(_cell(t.predicate, base, names), _cell(t.object, base, names)) for t in own],
            "incoming": [(_cell(s, base, names), _cell(p, base, names)) for s, p in queries.incoming(corpus.store, iri)],
        })
    media_type = graph_type(accept, fmt)
    if media_type is None:
        raise ApiError(406, "not_acceptable", "Chỉ có các định dạng: text/html, text/turtle, application/n-triples, "
                                              "application/ld+json, application/rdf+xml.")
    body = ox.serialize(triples, format=ox.RdfFormat.from_media_type(media_type),
                        prefixes=names if media_type == "text/turtle" else None)
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


@router.get("/doc/{rest:path}", summary="Dereference a document (or provision / task) IRI")
def document(request: Request, rest: str) -> Response:
    """``<base>doc/<issuer>/<year>/<slug>``: HTML for a browser, RDF by Accept."""
    return _dereference(request, "doc", rest)


@router.get("/org/{rest:path}", summary="Dereference an organization IRI")
def organization(request: Request, rest: str) -> Response:
    """``<base>org/<slug>``: HTML for a browser, RDF by Accept."""
    return _dereference(request, "org", rest)
