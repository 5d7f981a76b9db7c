"""Hostile input at every route and command: never a 5xx, never a connection to the outside.

A REF, IRI, key or filter is thrown at the running server (uvicorn on 127.0.0.1, the store of
``test_http``) and at the ``kg`` commands, built by hypothesis from the pieces of an injection
(closing ``>`` and ``}``, ``SERVICE <http://127.0.0.1:PORT/>``, quotes, newlines, backslashes,
unicode, very long strings). A loopback trap — a TCP listener on a random port that the
injected ``SERVICE`` points to — counts connections: it must receive none.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.cli import app as cli
from api.corpus import Corpus
from api.settings import Settings
from kg.store import write_document
from tests.test_http import DOCS, Listener, Served, _serve

BASE = Settings.base_iri
TRAP = Listener()  # one trap for the module: hypothesis builds strings before fixtures run
SERVICE = f"SERVICE <http://127.0.0.1:{TRAP.port}/sparql>"
# The attack of issue 10: close the IRI of VALUES and call a SERVICE of the caller's choosing.
INJECTION = f"{BASE}doc/tw/2018/23-ct-tw> }} {SERVICE} {{ ?a ?b ?c }} VALUES ?x {{ <{BASE}x"
PIECES = [">", "<", "}", "{", '"', "'", "\\", "\n", "\r", "\t", "#", "?", "&", "%", "%zz", "@2018", "@?", " ",
          SERVICE, "SERVICE", "http://", "https://", BASE, f"{BASE}doc/", "23-CT/TW", "Chỉ thị 23", "CT 23",
          "\u0000", "\u202e", "\ufeff", "Ể", "e\u0302\u0301", "；", "\U0001f600", ") . } UNION { ?s ?p ?o", "*/"]
hostile = st.one_of(
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=1, max_size=10).map("".join),
    st.sampled_from(PIECES).map(lambda piece: (piece * 1500)[:1500]),  # very long (within URL limits)
)
EXAMPLES = [INJECTION, f"http://127.0.0.1:{TRAP.port}/", f"{BASE}doc/x\n{SERVICE}", '23-CT/TW" } ' + SERVICE,
            "Chỉ thị 23@2018\" . " + SERVICE, "\\u003e } " + SERVICE, "x" * 1500]
ALLOWED = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _with_examples(test: Callable[..., None], values: list[str] = EXAMPLES) -> Callable[..., None]:
    """Add the known attacks as explicit examples."""
    for value in values:
        test = example(value)(test)
    return test


def _with_cli_examples(test: Callable[..., None]) -> Callable[..., None]:
    """The main attacks only: each example runs ten commands, each in-process but opening the store."""
    return _with_examples(test, EXAMPLES[:4])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory.mktemp("hostile"), sparql_workers=1)


@pytest.fixture(scope="module", autouse=True)
def trap() -> Iterator[Listener]:
    yield TRAP
    time.sleep(0.3)
    connections = TRAP.connections
    TRAP.close()
    assert connections == 0, "the server or a command connected to the loopback trap"


def _routes(value: str) -> list[tuple[str, dict[str, str]]]:
    """Every route that takes a user value, with ``value`` in each of its places."""
    path = quote(value, safe="/@")
    return [
        ("/api/implements", {"ref": value}),
        ("/api/hierarchy", {"root": value}),
        ("/hierarchy", {"root": value}),
        ("/hierarchy.html", {"root": value}),
        ("/api/search", {"q": value, "mode": "bm25"}),
        ("/api/search", {"q": "kế hoạch", "mode": "bm25", "implements": value, "issuer": value, "type": value}),
        ("/api/search", {"q": "kế hoạch", "mode": "bm25", "since": value, "until": value}),
        ("/search", {"q": "kế hoạch", "mode": "bm25", "implements": value, "issuer": value, "type": value}),
        ("/api/similar", {"provision": value}),
        ("/api/documents", {"type": value, "issuer": value, "q": value}),
        ("/api/documents", {"since": value, "until": value}),
        (f"/api/documents/{path}", {}),
        (f"/document/{path}", {}),
        (f"/doc/{path}", {}),
        (f"/org/{path}", {}),
        ("/doc/tw/2018/23-ct-tw", {"format": value}),
        ("/api/status", {"ref": value, "as_of": value}),
        (f"/document/{path}/status", {}),
        (f"/compare/{path}", {}),
        ("/sparql", {"query": "ASK {}", "format": value, "default-graph-uri": value}),
    ]


@_with_examples
@given(value=hostile)
@ALLOWED
def test_hostile_values_at_every_route_are_never_a_server_error(served: Served, value: str) -> None:
    for route, params in _routes(value):
        response = served.client.get(route, params=params, headers={"accept": "text/turtle, text/html;q=0.5"})
        assert response.status_code < 500, (route, params, response.status_code, response.text[:300])
        if response.status_code >= 400 and response.headers["content-type"].startswith("application/json"):
            assert set(response.json()["error"]) == {"code", "message"}
    assert TRAP.connections == 0


def test_the_injection_of_issue_10_is_refused_with_a_clear_message(served: Served) -> None:
    for route, params in (("/api/implements", {"ref": INJECTION}), ("/api/hierarchy", {"root": INJECTION})):
        response = served.client.get(route, params=params)
        assert response.status_code == 400, response.text
        assert "không phải là một IRI hợp lệ" in response.json()["error"]["message"]
    page = served.client.get("/hierarchy", params={"root": INJECTION})
    assert page.status_code == 200 and "không phải là một IRI hợp lệ" in page.text
    foreign = served.client.get("/api/implements", params={"ref": f"http://127.0.0.1:{TRAP.port}/doc/x"})
    assert foreign.status_code == 404 and "không thuộc tập dữ liệu này" in foreign.json()["error"]["message"]
    # A well-formed IRI of this dataset still works as a REF.
    iri = served.client.get("/api/documents/23-CT/TW@2018").json()["iri"]
    found = served.client.get("/api/implements", params={"ref": iri})
    assert found.status_code == 200 and found.json()["directive"]["key"] == "23-CT/TW@2018"
    assert TRAP.connections == 0


# --- The command line -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli-home")
    corpus = Corpus(Settings.load(home))
    for doc in DOCS:
        write_document(corpus.store, corpus.settings.base_iri, doc, path=doc["source"]["path"],
                       extractor_version="test")
    del corpus
    return home


def _kg(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    code, output = result.exit_code, result.output
    del result  # its traceback holds the command's store open (one RocksDB lock per process)
    gc.collect()
    return code, output


@_with_cli_examples
@given(value=hostile.filter(lambda v: "\x00" not in v))  # argv cannot carry NUL
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_values_at_every_command_fail_cleanly(home: Path, tmp_path_factory: pytest.TempPathFactory,
                                                     value: str) -> None:
    out = tmp_path_factory.getbasetemp() / "hostile-graph.json"
    for args in (["implements", value, "--json"], ["graph", "--root", value, "--out", str(out)],
                 ["status", value, "--json"], ["compare", value, "--json"], ["coverage", value, "--json"],
                 ["search", "kế hoạch", "--mode", "bm25", "--implements", value, "--issuer", value,
                  "--type", value], ["search", value, "--mode", "bm25", "--since", value]):
        code, output = _kg(home, *args)
        assert code in (0, 1, 2), (args, output)
        if code == 1:
            assert "Lỗi:" in output and "Traceback" not in output
    assert TRAP.connections == 0


def test_kg_sparql_refuses_service(home: Path) -> None:
    code, output = _kg(home, "sparql", f"SELECT * WHERE {{ {SERVICE} {{ ?s ?p ?o }} }}")
    assert code == 1 and "SERVICE" in output
    code, output = _kg(home, "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json")
    assert code == 0 and int(json.loads(output)["results"]["bindings"][0]["n"]["value"]) > 0
    time.sleep(0.3)
    assert TRAP.connections == 0
