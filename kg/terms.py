"""User values → validated RDF terms, the only form in which they may reach SPARQL text.

Query text is built from constants and from ``pyoxigraph`` terms: a ``NamedNode`` only exists
for a syntactically valid IRI (RFC 3987; ``>``, ``{``, spaces, quotes and newlines are refused)
and a ``Literal`` prints itself escaped. :func:`values` writes a ``VALUES`` row from such terms
and refuses anything else, so an f-string can never paste raw user text into a query.

>>> dataset_iri("https://w3id.org/vnkg/doc/tw/2018/23-ct-tw", "https://w3id.org/vnkg/").value
'https://w3id.org/vnkg/doc/tw/2018/23-ct-tw'
>>> values("d", [NamedNode("https://w3id.org/vnkg/doc/x"), Literal('a"} SERVICE <x> {')])
'VALUES ?d { <https://w3id.org/vnkg/doc/x> "a\\\\"} SERVICE <x> {" }'
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode

from kg.errors import KgError, UnknownReferenceError

Term = NamedNode | Literal


class InvalidIriError(KgError):
    """A value that should be an IRI and is not one (answered with 400)."""


def dataset_iri(text: str, base: str) -> NamedNode:
    """``text`` as an absolute IRI minted under ``base``.

    Raises :class:`InvalidIriError` when it is not an IRI and :class:`UnknownReferenceError` when
    it is one but belongs to another dataset (this store holds nothing about it, and nothing is
    ever fetched from elsewhere).
    """
    shown = text if len(text) <= 120 else text[:117] + "…"
    try:
        node = NamedNode(text)
    except ValueError:
        raise InvalidIriError(f"“{shown}” không phải là một IRI hợp lệ.") from None
    if not node.value.startswith(base):
        raise UnknownReferenceError(f"IRI “{shown}” không thuộc tập dữ liệu này (IRI phải bắt đầu bằng {base}).")
    return node


def named_node(text: str) -> NamedNode:
    """``text`` as an IRI; :class:`InvalidIriError` (one Vietnamese line) when it is not one."""
    try:
        return NamedNode(text)
    except ValueError:
        shown = text if len(text) <= 120 else text[:117] + "…"
        raise InvalidIriError(f"“{shown}” không phải là một IRI hợp lệ.") from None


def values(var: str, terms: Iterable[Term]) -> str:
    """``VALUES ?var { t1 t2 ... }`` from terms only (a ``TypeError`` for anything else)."""
    return f"VALUES ?{_variable(var)} {{ {' '.join(_serialized(terms))} }}"


def one_of(var: str, terms: Iterable[Term]) -> str:
    """``FILTER(?var IN (t1, t2, ...))`` from terms only. Beside a ``VALUES`` block of another variable,
    Oxigraph evaluates this far faster than a second ``VALUES`` block (a cross product)."""
    return f"FILTER(?{_variable(var)} IN ({', '.join(_serialized(terms))}))"


def _variable(var: str) -> str:
    if not var.isidentifier():
        raise ValueError(f"not a SPARQL variable name: {var!r}")
    return var


def _serialized(terms: Iterable[Term]) -> list[str]:
    rows = []
    for term in terms:
        if not isinstance(term, NamedNode | Literal):
            raise TypeError(f"VALUES rows take pyoxigraph terms, not {type(term).__name__}")
        rows.append(str(term))
    return rows

