"""What runs inside a SPARQL worker process: check, execute and serialize one query at a time.

A worker opens the store read-only (RocksDB allows that next to the server's read-write handle)
and reopens it when the store's files change, so it sees what was ingested since. The parent
kills the whole process when a query overruns its time limit: Oxigraph cannot cancel a query.
"""

from __future__ import annotations

import itertools
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from api.sparql_guard import GuardError, UnsafeQueryError, check_query


@dataclass(frozen=True)
class QueryRequest:
    """One query and how to answer it; plain values so it pickles cheaply."""

    query: str
    solutions_type: str | None  # media type for SELECT/ASK results, None if the client accepts none
    graph_type: str | None  # media type for CONSTRUCT/DESCRIBE results
    max_rows: int
    default_graphs: tuple[str, ...] = ()  # protocol's default-graph-uri
    named_graphs: tuple[str, ...] = ()  # protocol's named-graph-uri
    base_iri: str | None = None  # relative IRIs in the query resolve against it


@dataclass(frozen=True)
class QueryAnswer:
    """A serialized result: media type, body and the number of rows (or triples)."""

    media_type: str
    body: bytes
    rows: int


@dataclass(frozen=True)
class QueryFailure:
    """A query the worker refused or could not run; ``status`` is the HTTP status to answer with."""

    status: int
    code: str
    message: str


def _store_signature(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and mtimes of the store's files: changes on every write (WAL appends included)."""
    with os.scandir(path) as entries:
        return tuple(sorted((e.name, (s := e.stat()).st_size, s.st_mtime_ns) for e in entries if e.is_file()))


class ReadOnlyStore:
    """A read-only view of the store that follows the writer between queries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store: ox.Store | None = None
        self._signature: tuple[tuple[str, int, int], ...] = ()

    def current(self) -> ox.Store:
        """The store as of now (reopened when its files changed since the last query)."""
        signature = _store_signature(self.path)
        if self._store is None or signature != self._signature:
            self._store = None  # release the old handle first
            self._store = ox.Store.read_only(str(self.path))
            self._signature = signature
        return self._store


def _dataset_options(store: ox.Store, request: QueryRequest, own_dataset: tuple[str, ...]) -> dict[str, object]:
    """pyoxigraph dataset arguments (Oxigraph reads graphs from the store only: nothing is fetched).

    The protocol's ``default-graph-uri`` / ``named-graph-uri`` replace the query's own ``FROM`` /
    ``FROM NAMED``; a graph they name that the store lacks is an empty graph (as the W3C protocol
    tests expect). A ``FROM`` graph the store lacks is an error, since it is likely a typo.
    """
    for iri in (*request.default_graphs, *request.named_graphs):
        ox.NamedNode(iri)  # a ValueError for a value that is not an IRI
    if request.default_graphs or request.named_graphs:
        options: dict[str, object] = {}
        if request.default_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
        if request.named_graphs:
            options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
        return options
    for iri in own_dataset:
        if not store.contains_named_graph(ox.NamedNode(iri)):
            raise UnknownGraphError(iri)
    # Without a dataset of its own, the default graph is the union of all graphs.
    return {} if own_dataset else {"use_default_graph_as_union": True}


class UnknownGraphError(Exception):
    """A dataset names a graph the store does not hold (it would otherwise be fetched)."""

    def __init__(self, iri: str) -> None:
        super().__init__(iri)
        self.iri = iri


def _too_many(limit: int) -> QueryFailure:
    return QueryFailure(413, "result_too_large",
                        f"Kết quả vượt quá giới hạn {limit} dòng; hãy thêm LIMIT hoặc thu hẹp truy vấn.")


def _serialize_solutions(result: ox.QuerySolutions, media_type: str, max_rows: int) -> QueryAnswer | QueryFailure:
    """Cap the rows, then let Oxigraph write the format (through a lossless TSV copy of the rows)."""
    variables = result.variables
    rows = list(itertools.islice(result, max_rows + 1))
    if len(rows) > max_rows:
        return _too_many(max_rows)
    lines = ["\t".join(str(v) for v in variables)]
    lines += ["\t".join("" if row[v] is None else str(row[v]) for v in variables) for row in rows]
    copy = ox.parse_query_results(("\n".join(lines) + "\n").encode(), format=ox.QueryResultsFormat.TSV)
    body = copy.serialize(format=ox.QueryResultsFormat.from_media_type(media_type))
    return QueryAnswer(media_type, body, len(rows))


def _serialize_triples(result: ox.QueryTriples, media_type: str, max_rows: int) -> QueryAnswer | QueryFailure:
    triples = list(itertools.islice(result, max_rows + 1))
    if len(triples) > max_rows:
        return _too_many(max_rows)
    body = ox.serialize(triples, format=ox.RdfFormat.from_media_type(media_type))
    return QueryAnswer(media_type, body, len(triples))


def _not_acceptable(kind: str) -> QueryFailure:
    return QueryFailure(406, "not_acceptable",
                        f"Không có định dạng {kind} nào khớp với tiêu đề Accept của yêu cầu.")


def execute(store: ox.Store, request: QueryRequest) -> QueryAnswer | QueryFailure:
    """Check and run one query against ``store``; every refusal becomes a :class:`QueryFailure`."""
    try:
        checked = check_query(request.query, request.base_iri)
        options = _dataset_options(store, request, checked.dataset_graphs)
        result = store.query(request.query, base_iri=request.base_iri, **options)
        if isinstance(result, ox.QueryBoolean):
            if request.solutions_type is None:
                return _not_acceptable("kết quả truy vấn")
            fmt = ox.QueryResultsFormat.from_media_type(request.solutions_type)
            return QueryAnswer(request.solutions_type, result.serialize(format=fmt), 1)
        if isinstance(result, ox.QuerySolutions):
            if request.solutions_type is None:
                return _not_acceptable("kết quả truy vấn")
            return _serialize_solutions(result, request.solutions_type, request.max_rows)
        if request.graph_type is None:
            return _not_acceptable("RDF")
        return _serialize_triples(result, request.graph_type, request.max_rows)
    except UnsafeQueryError as err:
        return QueryFailure(403, err.code, str(err))
    except GuardError as err:
        return QueryFailure(400, err.code, str(err))
    except UnknownGraphError as err:
        return QueryFailure(400, "unknown_graph",
                            f"Đồ thị <{err.iri}> không có trong kho; máy chủ không tải dữ liệu từ bên ngoài.")
    except ValueError as err:
        return QueryFailure(400, "bad_request", f"Tham số không hợp lệ: {err}")
    except SyntaxError as err:
        message = str(err).split("\n", 1)[0]  # Oxigraph lists every expected token: keep it short
        if len(message) > 240:
            message = message[:240] + " …"
        return QueryFailure(400, "malformed_query", f"Truy vấn SPARQL không hợp lệ: {message}")
    except (OSError, TypeError) as err:
        return QueryFailure(500, "query_failed", f"Không chạy được truy vấn: {err}")


def serve(conn: Connection, store_path: str) -> None:
    """Worker main loop: answer requests from ``conn`` until it closes or sends ``None``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    store = ReadOnlyStore(Path(store_path))
    conn.send("ready")
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            answer: QueryAnswer | QueryFailure = execute(store.current(), request)
        except OSError as err:
            answer = QueryFailure(500, "store_unavailable", f"Không mở được kho dữ liệu: {err}")
        conn.send(answer)
