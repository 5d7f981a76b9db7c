"""Content negotiation: the Accept header (or a ``format`` parameter) → one media type.

>>> solutions_type("application/sparql-results+xml")
'application/sparql-results+xml'
>>> solutions_type("*/*"), graph_type(None)
('application/sparql-results+json', 'text/turtle')
>>> graph_type("application/ld+json;q=0.9, text/turtle;q=0.5")
'application/ld+json'
>>> solutions_type("image/png") is None
True
>>> solutions_type("text/html", fmt="csv")
'text/csv'
>>> wants_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
True
>>> wants_html("application/sparql-results+json"), wants_html("*/*")
(False, False)
>>> format_name(["tsv", "text/tab-separated-values"]), format_name(["n3"]), format_name(["rdf+xml", ""])
('tsv', 'turtle', 'rdfxml')
"""

from __future__ import annotations

import mimeparse

# Preferred type last: mimeparse breaks ties (e.g. */*) in favour of the later entry.
SOLUTION_TYPES = (
    "text/tab-separated-values",
    "text/csv",
    "application/sparql-results+xml",
    "application/xml",
    "application/json",
    "application/sparql-results+json",
)
GRAPH_TYPES = (
    "application/rdf+xml",
    "application/xml",
    "application/ld+json",
    "application/json",
    "application/n-triples",
    "text/plain",
    "text/turtle",
)
# Generic types a client may ask for, and the precise type we answer with.
_ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml"}
_GRAPH_ALIASES = {"application/json": "application/ld+json", "application/xml": "application/rdf+xml",
                  "text/plain": "application/n-triples"}

# ``?format=`` short names, for links and browsers that cannot set Accept.
FORMATS = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
}


# Other spellings of the short names: media types and what clients send (SPARQLWrapper sends its own
# name and the media type, e.g. ``format=tsv&format=text/tab-separated-values``).
_FORMAT_ALIASES = {
    "json-ld": "jsonld", "rdf+xml": "rdfxml", "rdf": "rdfxml", "n3": "turtle", "n-triples": "ntriples",
    "text/n3": "turtle", "text/rdf+n3": "turtle", "application/json": "json", "application/xml": "xml",
    **{media: name for name, types in FORMATS.items() for media in types if media and name not in ("ttl", "nt")},
}


class FormatConflictError(ValueError):
    """``format`` given several times with values that name different formats."""


def _format_names(value: str) -> list[str]:
    """The short names one ``format`` value may mean: a name, a media type, or a list of media types."""
    items = [part.split(";")[0].strip().lower() for part in value.split(",")]
    names = [_FORMAT_ALIASES.get(item, item if item in FORMATS else "") for item in items]
    return [n for n in names if n] or [value.strip().lower()]


def format_name(values: list[str]) -> str | None:
    """The one format that the (possibly repeated) ``format`` parameter names; None when absent.

    Repeated values must agree (blank ones are ignored; SPARQLWrapper also repeats its Accept
    list, e.g. ``application/ld+json,application/x-json+ld``); an unknown name is returned as
    given, so that the caller answers 406.
    """
    choices = [_format_names(v) for v in values if v.strip()]
    if not choices:
        return None
    common = [name for name in choices[0] if all(name in other for other in choices[1:])]
    if not common:
        shown = ", ".join(sorted({v.strip() for v in values if v.strip()}))
        raise FormatConflictError(f"Tham số 'format' có các giá trị mâu thuẫn: {shown}.")
    return common[0]


def _best(accept: str | None, supported: tuple[str, ...]) -> str | None:
    try:
        return mimeparse.best_match(list(supported), accept or "*/*") or None
    except (ValueError, IndexError):  # a malformed header: answer as if it said */*
        return supported[-1]


def solutions_type(accept: str | None, fmt: str | None = None) -> str | None:
    """Media type for SELECT / ASK results, or None when the client accepts none we write."""
    if fmt:
        return FORMATS.get(fmt.lower(), (None, None))[0]
    best = _best(accept, SOLUTION_TYPES)
    return _ALIASES.get(best, best) if best else None


def graph_type(accept: str | None, fmt: str | None = None) -> str | None:
    """Media type for CONSTRUCT / DESCRIBE results (and dereferenced IRIs)."""
    if fmt:
        return FORMATS.get(fmt.lower(), (None, None))[1]
    best = _best(accept, GRAPH_TYPES)
    return _GRAPH_ALIASES.get(best, best) if best else None


def wants_html(accept: str | None) -> bool:
    """Whether a browser asked: text/html is explicitly acceptable and preferred to our data types."""
    if not accept or "text/html" not in accept:
        return False
    return _best(accept, (*SOLUTION_TYPES, *GRAPH_TYPES, "text/html")) == "text/html"
