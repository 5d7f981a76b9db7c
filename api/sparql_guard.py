"""Check a SPARQL request before it runs: nothing in it may make the server fetch the outside world.

Oxigraph evaluates ``SERVICE`` over HTTP and ``LOAD`` fetches its IRI, so both are refused; a
dataset clause (``FROM`` / ``FROM NAMED``) may only name graphs that are already in the store.
The query is parsed with rdflib's SPARQL 1.1 parser; a lexical scan (comments, strings and IRIs
removed) backs it up, so a query that rdflib cannot parse (SPARQL-star, say) still runs only when
no refused keyword appears in it at all.

>>> check_query("SELECT * { ?s ?p ?o }").dataset_graphs
()
>>> check_query("PREFIX g: <http://g/> SELECT * FROM g:a FROM NAMED <http://g/b> { ?s ?p ?o }").dataset_graphs
('http://g/a', 'http://g/b')
>>> check_query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
Traceback (most recent call last):
...
api.sparql_guard.UnsafeQueryError: Truy vấn dùng SERVICE: máy chủ này không truy cập nguồn dữ liệu bên ngoài.
>>> check_query('SELECT * { ?s ?p "SERVICE" } # LOAD').form
'SelectQuery'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyparsing import ParseException, ParserElement
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

# Comments, strings (long ones first) and IRI references: what may hide a keyword from the lexical scan.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
# A bare keyword: not part of a variable (?x, $x), a prefixed name (ex:load) or a longer word.
_KEYWORD = re.compile(r"(?<![\w?$:.-])(SERVICE|LOAD|FROM)(?![\w:-])", re.IGNORECASE)


class GuardError(Exception):
    """A request refused before it runs; the message is for the user."""

    code = "bad_query"


class MalformedQueryError(GuardError):
    """The text is not a SPARQL query (or update)."""

    code = "malformed_query"


class UnsafeQueryError(GuardError):
    """The request would make the server fetch something, or reach outside the store."""

    code = "forbidden_operation"


@dataclass(frozen=True)
class CheckedQuery:
    """What the guard learned about a query: its form and the graphs of its dataset clause."""

    form: str  # SelectQuery, AskQuery, ConstructQuery, DescribeQuery, or "unknown" (rdflib could not parse)
    dataset_graphs: tuple[str, ...]  # IRIs named by FROM / FROM NAMED, resolved

    @property
    def has_dataset(self) -> bool:
        """Whether the query chooses its own dataset (then the default graph is not the union)."""
        return bool(self.dataset_graphs)


def _keywords(text: str) -> set[str]:
    """Refused keywords that appear outside comments, strings and IRIs."""
    return {m.group(1).upper() for m in _KEYWORD.finditer(_OPAQUE.sub(" ", text))}


def _nodes(value: object) -> Iterator[CompValue]:
    """Every rdflib algebra / parse-tree node under ``value``."""
    if isinstance(value, CompValue):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, dict):
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, list | tuple) or type(value).__name__ == "ParseResults":
        for child in value:
            yield from _nodes(child)


_NO_SERVICE = "Truy vấn dùng SERVICE: máy chủ này không truy cập nguồn dữ liệu bên ngoài."
_NO_LOAD = "LOAD không được phép: máy chủ này không tải dữ liệu từ bên ngoài."


def _refuse_keywords(text: str) -> set[str]:
    """Raise on a bare SERVICE or LOAD keyword; return the refused keywords found (FROM included)."""
    words = _keywords(text)
    if "SERVICE" in words:
        raise UnsafeQueryError(_NO_SERVICE)
    if "LOAD" in words:
        raise UnsafeQueryError(_NO_LOAD)
    return words


def _refuse_service(tree: object) -> None:
    if any(node.name == "ServiceGraphPattern" for node in _nodes(tree)):
        raise UnsafeQueryError(_NO_SERVICE)


def _syntax_message(err: ParseException) -> str:
    return f"Truy vấn SPARQL sai cú pháp ở dòng {err.lineno}, cột {err.col}: {err.msg}."


def _parsed(parse: Callable[[str], Any], text: str) -> Any:
    """Parse, then empty pyparsing's packrat cache: the exceptions it keeps hold the caller's frames
    (and so an open store) alive after the call returns."""
    try:
        return parse(text)
    finally:
        ParserElement.reset_cache()


@lru_cache(maxsize=512)  # parsing costs ~10 ms; clients repeat their queries (pages, dashboards)
def check_query(text: str, base: str | None = None) -> CheckedQuery:
    """Refuse SERVICE, LOAD and unparseable dataset clauses; report the form and the FROM graphs.

    Relative IRIs of the dataset clause are resolved against ``base`` (the endpoint's base IRI).

    Raises :class:`UnsafeQueryError` or :class:`MalformedQueryError`. A query rdflib cannot parse
    passes as form ``"unknown"`` when it holds none of SERVICE, LOAD or FROM: Oxigraph then
    decides whether it is valid.
    """
    words = _refuse_keywords(text)
    try:
        algebra = translateQuery(_parsed(parseQuery, text), base=base).algebra
    except ParseException as err:
        if "FROM" in words:
            raise MalformedQueryError(_syntax_message(err)) from None
        return CheckedQuery("unknown", ())
    except Exception as err:  # rdflib's translation rejects some semantic errors (e.g. bad GROUP BY)
        raise MalformedQueryError(f"Truy vấn SPARQL không hợp lệ: {err}") from None
    _refuse_service(algebra)
    clauses = algebra["datasetClause"] if "datasetClause" in algebra else None  # noqa: SIM401 (CompValue.get is not dict.get)
    graphs = tuple(str(c["default"] if "default" in c else c["named"]) for c in clauses or ())
    return CheckedQuery(algebra.name, graphs)


def check_update(text: str) -> None:
    """Refuse an update that loads from an IRI or calls a SERVICE; raise if it does not parse."""
    _refuse_keywords(text)
    try:
        parsed = _parsed(parseUpdate, text)
    except ParseException as err:
        raise MalformedQueryError(_syntax_message(err)) from None
    _refuse_service(parsed)
    try:
        updates = translateUpdate(parsed)
    except Exception as err:
        raise MalformedQueryError(f"Lệnh cập nhật SPARQL không hợp lệ: {err}") from None
    for update in updates.algebra:
        if update.name == "Load":
            raise UnsafeQueryError(_NO_LOAD)
