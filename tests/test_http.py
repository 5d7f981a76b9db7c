"""The HTTP server, for real: uvicorn on 127.0.0.1, real clients (httpx, SPARQLWrapper, rdflib's SPARQLStore).

One server per module (2 s time limit, 50-row cap, an update token) over a store filled through the
graph engineer's ``kg.store.write_document``; a local TCP listener proves that no query makes the
server fetch anything.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import uvicorn
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from api.app import create_app
from api.corpus import Corpus
from api.settings import Settings
from kg.cascade import implementers
from kg.store import file_graph, write_document

TOKEN = "s3cret-token"
ELI = "http://data.europa.eu/eli/ontology#"
TITLES = f"SELECT ?d ?t WHERE {{ ?d <{ELI}title> ?t }} ORDER BY ?d ?t"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _doc(number: str, key: str, title: str, date: str, org: str, **extra: Any) -> dict[str, Any]:
    code = number.split("-")[1].split("/")[0]
    doc = {"source": {"path": f"/corpus/{code}-{date}.txt", "sha256": key, "format": "txt"},
           "number": number, "doc_type": {"CT": "Chỉ thị", "KH": "Kế hoạch"}[code], "doc_type_code": code,
           "issuer": {"name": org, "org": org, "parent": None}, "place": None, "date": date, "title": title,
           "signer": None, "key": key, "based_on": [], "implements": [], "implements_partly": [],
           "references": [], "relations_between_references": [], "provisions": [], "tasks": [],
           "recipients": [], "warnings": []}
    doc.update(extra)
    return doc


def _ref(key: str, number: str, date: str, org: str, title: str) -> dict[str, Any]:
    return {"key": key, "number": number, "doc_type": None, "date": date, "issuer": org, "issuer_org": org,
            "title": title, "mentions": []}


DOCS = [
    _doc("23-CT/TW", "23-CT/TW@2018", "Chỉ thị về tăng cường công tác nghiên cứu", "2018-02-09", "Ban Bí thư"),
    _doc("117-KH/TU", "117-KH/TU@2018", "Kế hoạch thực hiện Chỉ thị 23-CT/TW", "2018-05-10", "Tỉnh ủy Lai Châu",
         implements=["23-CT/TW@2018"],
         references=[_ref("23-CT/TW@2018", "23-CT/TW", "2018-02-09", "Ban Bí thư", "về tăng cường")],
         provisions=[{"id": "II.10", "path": ["II", "10"], "text": "Kiểm tra, giám sát"},
                     {"id": "I", "path": ["I"], "text": "Mục đích, yêu cầu"},
                     {"id": "II.2", "path": ["II", "2"], "text": "Tổ chức học tập, quán triệt chỉ thị"}],
         tasks=[{"text": "Báo cáo kết quả về Ban Thường vụ", "provision": "II.2", "responsible": ["Ban Tuyên giáo"],
                 "deadline": "2018-12-31"}]),
    _doc("266-KH/HU", "266-KH/HU@2018", "Kế hoạch thực hiện Kế hoạch 117-KH/TU", "2018-07-01", "Huyện ủy Phong Thổ",
         based_on=["117-KH/TU@2018"],
         references=[_ref("117-KH/TU@2018", "117-KH/TU", "2018-05-10", "Tỉnh ủy Lai Châu", "thực hiện")]),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives (and closes them)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@dataclass
class Served:
    url: str
    corpus: Corpus
    client: httpx.Client

    @property
    def base(self) -> str:
        return self.corpus.settings.base_iri


def _serve(home: Path, **overrides: Any) -> Iterator[Served]:
    settings = Settings.load(home, **overrides)
    corpus = Corpus(settings)
    for doc in DOCS:
        write_document(corpus.store, settings.base_iri, doc, path=doc["source"]["path"], extractor_version="test")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(corpus), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=url, timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the server is up once its SPARQL workers are
        try:
            if client.get("/api/health").json()["sparql_workers_ready"] == settings.sparql_workers:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    else:
        pytest.fail("the server did not start within 60 s")
    try:
        yield Served(url, corpus, client)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory.mktemp("home"), sparql_timeout_s=2.0, sparql_max_rows=50,
                      write_token=TOKEN)


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


def _direct(served: Served, query: str) -> Any:
    return served.corpus.store.query(query, use_default_graph_as_union=True)


def _titles(served: Served) -> list[tuple[str, str]]:
    return [(row["d"].value, row["t"].value) for row in _direct(served, TITLES)]


# --- SPARQL 1.1 Protocol --------------------------------------------------------------------------


def test_sparqlwrapper_with_its_defaults_reads_select_and_construct(served: Served) -> None:
    wrapper = SPARQLWrapper(served.url + "/sparql")
    wrapper.setQuery(TITLES)
    dom = wrapper.query().convert()  # default: GET, XML results
    literals = [node.firstChild.data for node in dom.getElementsByTagName("literal")]
    assert sorted(literals) == sorted(t for _, t in _titles(served))
    wrapper.setReturnFormat(JSON)
    rows = wrapper.query().convert()["results"]["bindings"]
    assert [(r["d"]["value"], r["t"]["value"]) for r in rows] == _titles(served)
    graph_wrapper = SPARQLWrapper(served.url + "/sparql")
    graph_wrapper.setQuery(f"CONSTRUCT {{ ?d <{ELI}title> ?t }} WHERE {{ ?d <{ELI}title> ?t }}")
    graph = graph_wrapper.query().convert()  # default: RDF/XML, parsed into an rdflib Graph
    assert isinstance(graph, rdflib.Graph)
    assert sorted((str(s), str(o)) for s, _, o in graph) == sorted(_titles(served))


def test_rdflib_sparqlstore_reads_the_endpoint(served: Served) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=served.url + "/sparql"))
    rows = sorted((str(r.d), str(r.t)) for r in graph.query(TITLES))
    assert rows == sorted(_titles(served))
    key = rdflib.URIRef("https://w3id.org/vnkg/ontology#key")
    assert {str(o) for o in graph.objects(None, key)} == {d["key"] for d in DOCS}
    ask = graph.query(f"ASK {{ ?d <{ELI}number> \"23-CT/TW\" }}")
    assert ask.askAnswer is True


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/tab-separated-values", "application/json"])
def test_select_formats_round_trip(served: Served, accept: str) -> None:
    response = served.client.get("/sparql", params={"query": TITLES}, headers={"accept": accept})
    assert response.status_code == 200, response.text
    media_type = response.headers["content-type"].split(";")[0]
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    rows = [(r["d"].value, r["t"].value) for r in ox.parse_query_results(response.content, format=fmt)]
    assert rows == _titles(served)
    assert response.headers["x-result-rows"] == str(len(rows))


def test_select_csv(served: Served) -> None:
    response = served.client.get("/sparql", params={"query": TITLES}, headers={"accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["d", "t"]
    assert [tuple(r) for r in table[1:]] == _titles(served)


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask_formats(served: Served, accept: str) -> None:
    for query, expected in ((f'ASK {{ ?d <{ELI}number> "266-KH/HU" }}', True), ("ASK { ?s <urn:no> ?o }", False)):
        response = served.client.get("/sparql", params={"query": query}, headers={"accept": accept})
        fmt = ox.QueryResultsFormat.from_media_type(response.headers["content-type"].split(";")[0])
        assert bool(ox.parse_query_results(response.content, format=fmt)) is expected


@pytest.mark.parametrize(("accept", "rdflib_format"), [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                                       ("application/ld+json", "json-ld"),
                                                       ("application/rdf+xml", "xml")])
def test_construct_formats_parse_to_the_same_graph(served: Served, accept: str, rdflib_format: str) -> None:
    query = f"CONSTRUCT {{ ?d <{ELI}title> ?t }} WHERE {{ ?d <{ELI}title> ?t }}"
    response = served.client.post("/sparql", content=query,
                                  headers={"content-type": "application/sparql-query", "accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=response.text, format=rdflib_format)
    assert sorted((str(s), str(o)) for s, _, o in graph) == sorted(_titles(served))
    assert all(o.language == "vi" for o in graph.objects())


def test_post_form_and_dataset_parameters(served: Served) -> None:
    graph = file_graph(served.base, DOCS[0]["source"]["sha256"]).value
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    everything = served.client.post("/sparql", data={"query": count}).json()
    assert int(everything["results"]["bindings"][0]["n"]["value"]) == len(served.corpus.store)
    only_one = served.client.post("/sparql", data={"query": count, "default-graph-uri": graph}).json()
    in_graph = sum(1 for _ in served.corpus.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    assert int(only_one["results"]["bindings"][0]["n"]["value"]) == in_graph < len(served.corpus.store)
    named = served.client.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                                 "named-graph-uri": graph}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [graph]
    with_from = served.client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{graph}> "
                                                               "WHERE { ?s ?p ?o }"}).json()
    assert int(with_from["results"]["bindings"][0]["n"]["value"]) == in_graph


def test_malformed_query_is_400_with_a_readable_message(served: Served) -> None:
    response = served.client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_query"
    assert error["message"].startswith("Truy vấn SPARQL") and len(error["message"]) < 400
    missing = served.client.get("/sparql")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_query"
    unsupported = served.client.post("/sparql", content="x", headers={"content-type": "text/plain"})
    assert unsupported.status_code == 415


def test_unacceptable_accept_is_406(served: Served) -> None:
    response = served.client.get("/sparql", params={"query": TITLES}, headers={"accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"


# --- Safety ----------------------------------------------------------------------------------------


def test_service_load_and_foreign_graphs_never_reach_the_network(served: Served, listener: Listener) -> None:
    target = f"http://127.0.0.1:{listener.port}/sparql"
    refused = [
        ("get", {"query": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"}, 403),
        ("get", {"query": f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ service silent <{target}> {{ ?s ?q ?r }} }} }}"},
         403),
        ("get", {"query": f"PREFIX x: <http://127.0.0.1:{listener.port}/> SELECT * {{ SERVICE x:s {{ ?s ?p ?o }} }}"},
         403),
        ("post", {"query": f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}"}, 400),
        ("post", {"query": f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}, 400),
        # The protocol's dataset names graphs of the store: one it lacks is empty (W3C protocol tests).
        ("get", {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": target}, 200),
        ("get", {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": target}, 200),
        ("post", {"query": f"LOAD <{target}>"}, 403),
        ("post", {"update": f"LOAD <{target}>"}, 403),
    ]
    for method, params, status in refused:
        if method == "get":
            response = served.client.get("/sparql", params=params)
        else:
            response = served.client.post("/sparql", data=params)
        assert response.status_code == status, (params, response.text)
        assert "error" in response.json() if status != 200 else response.json()["results"]["bindings"] == []
    # Even the token holder cannot LOAD or call a SERVICE.
    for update in (f"LOAD <{target}> INTO GRAPH <urn:g>",
                   f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"):
        response = served.client.post("/sparql/update", content=update, headers={
            "content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 403, response.text
    time.sleep(0.3)
    assert listener.connections == 0
    # The listener does see a fetch, and Oxigraph does fetch SERVICE by itself: the guard is needed.
    with pytest.raises(OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"))
    time.sleep(0.3)
    assert listener.connections >= 1


def test_anonymous_updates_change_nothing(served: Served) -> None:
    before = len(served.corpus.store)
    wipe = "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }"
    attempts = [
        served.client.post("/sparql", data={"update": wipe}),
        served.client.post("/sparql", data={"query": wipe}),
        served.client.post("/sparql", content=wipe, headers={"content-type": "application/sparql-update"}),
        served.client.post("/sparql", content="INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                           headers={"content-type": "application/sparql-query"}),
        served.client.get("/sparql", params={"update": wipe}),
        served.client.post("/sparql/update", content=wipe, headers={"content-type": "application/sparql-update"}),
        served.client.post("/sparql/update", data={"update": wipe}, headers={"authorization": "Bearer wrong"}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403, 403, 401, 401]
    assert attempts[0].json()["error"]["code"] == "read_only"
    assert attempts[-1].headers["www-authenticate"].startswith("Bearer")
    assert len(served.corpus.store) == before


def test_token_update_is_visible_to_the_next_query(served: Served) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    insert = served.client.post("/sparql/update", data={"update": "INSERT DATA { GRAPH <urn:test:g> "
                                                                  "{ <urn:test:s> <urn:test:p> \"mới\" } }"},
                                headers=auth)
    assert insert.status_code == 204, insert.text
    try:
        seen = served.client.get("/sparql", params={"query": "SELECT ?o WHERE { <urn:test:s> <urn:test:p> ?o }"})
        assert [b["o"]["value"] for b in seen.json()["results"]["bindings"]] == ["mới"]
    finally:
        served.client.post("/sparql/update", content="DROP GRAPH <urn:test:g>",
                           headers={**auth, "content-type": "application/sparql-update"})
    gone = served.client.get("/sparql", params={"query": "ASK { <urn:test:s> ?p ?o }"}).json()
    assert gone["boolean"] is False


def test_time_limit_kills_the_query_while_other_requests_succeed(served: Served) -> None:
    result: dict[str, Any] = {}

    def slow() -> None:
        started = time.monotonic()
        result["response"] = httpx.get(served.url + "/sparql", params={"query": CARTESIAN}, timeout=30)
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    quick = served.client.get("/sparql", params={"query": TITLES})
    health = served.client.get("/api/health")
    documents = served.client.get("/api/documents")
    quick_elapsed = time.monotonic() - started
    thread.join()
    assert quick.status_code == health.status_code == documents.status_code == 200
    assert "response" in result and quick_elapsed < result["elapsed"]
    response = result["response"]
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "query_timeout" and "2 giây" in error["message"]
    assert 1.9 < result["elapsed"] < 10
    # The killed worker is replaced: queries keep working.
    deadline = time.monotonic() + 60
    while served.client.get("/api/health").json()["sparql_workers_ready"] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served.client.get("/sparql", params={"query": TITLES}).status_code == 200


def test_row_cap_is_a_clear_error(served: Served) -> None:
    response = served.client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "result_too_large" and "50" in error["message"]
    construct = served.client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert construct.status_code == 413


def test_cors_allows_reads_from_any_origin(served: Served) -> None:
    response = served.client.get("/api/health", headers={"origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = served.client.options("/sparql", headers={"origin": "https://example.org",
                                                          "access-control-request-method": "GET"})
    assert preflight.status_code == 200


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_in_every_return_format(served: Served, method: str) -> None:
    titles = sorted(_titles(served))

    def ask(query: str, fmt: str) -> Any:
        wrapper = SPARQLWrapper(served.url + "/sparql")
        wrapper.setMethod(method)
        wrapper.setQuery(query)
        wrapper.setReturnFormat(fmt)
        return wrapper.query().convert()

    for fmt in (CSV, TSV):  # SPARQLWrapper sends format=tsv&format=text/tab-separated-values
        text = ask(TITLES, fmt).decode()
        rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == CSV else "\t"))
        assert len(rows) == len(titles) + 1, text
    assert [(b["d"]["value"], b["t"]["value"]) for b in ask(TITLES, JSON)["results"]["bindings"]] == _titles(served)
    xml_literals = [n.firstChild.data for n in ask(TITLES, XML).getElementsByTagName("literal")]
    assert sorted(xml_literals) == sorted(t for _, t in titles)
    construct = f"CONSTRUCT {{ ?d <{ELI}title> ?t }} WHERE {{ ?d <{ELI}title> ?t }}"
    for fmt in (XML, RDFXML, RDF, TURTLE, N3, JSONLD):
        result = ask(construct, fmt)
        graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result, format="turtle")
        assert sorted((str(s), str(o)) for s, _, o in graph) == titles, fmt
    assert ask("ASK { ?s ?p ?o }", JSON)["boolean"] is True
    assert ask("ASK { <urn:x> ?p ?o }", XML).getElementsByTagName("boolean")[0].firstChild.data == "false"


def test_protocol_corners(served: Served) -> None:
    query = {"query": TITLES}
    n3 = served.client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "format": "n3"})
    assert n3.status_code == 200 and n3.headers["content-type"].startswith("text/turtle")
    same = served.client.get("/sparql", params=[("query", TITLES), ("format", "csv"), ("format", "text/csv")])
    assert same.status_code == 200 and same.headers["content-type"].startswith("text/csv")
    clash = served.client.get("/sparql", params=[("query", TITLES), ("format", "csv"), ("format", "json")])
    assert clash.status_code == 400 and "format" in clash.json()["error"]["message"]
    # HEAD answers like GET, without a body.
    get, head = served.client.get("/sparql", params=query), served.client.head("/sparql", params=query)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    for path in ("/api/health", "/api/documents", "/hierarchy", "/static/style.css"):
        assert served.client.head(path).status_code == 200, path
    # CORS: a page on another origin may POST a query (preflight, then the request).
    preflight = served.client.options("/sparql", headers={
        "origin": "https://yasgui.example", "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"})
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
    posted = served.client.post("/sparql", content="ASK {}", headers={
        "origin": "https://yasgui.example", "content-type": "application/sparql-query"})
    assert posted.status_code == 200 and posted.headers["access-control-allow-origin"] in ("*", "https://yasgui.example")
    # Relative IRIs resolve against the endpoint's base IRI.
    relative = served.client.get("/sparql", params={"query": "CONSTRUCT { <doc/x> <p> 1 } WHERE {}", "format": "nt"})
    assert relative.status_code == 200 and f"<{served.base}doc/x> <{served.base}p>" in relative.text
    # default-graph-uri replaces the query's own FROM.
    graphs = [file_graph(served.base, doc["source"]["sha256"]).value for doc in DOCS[:2]]
    sizes = [sum(1 for _ in served.corpus.store.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in graphs]
    count = f"SELECT (COUNT(*) AS ?n) FROM <{graphs[0]}> WHERE {{ ?s ?p ?o }}"
    own = served.client.get("/sparql", params={"query": count}).json()
    replaced = served.client.get("/sparql", params={"query": count, "default-graph-uri": graphs[1]}).json()
    assert int(own["results"]["bindings"][0]["n"]["value"]) == sizes[0]
    assert int(replaced["results"]["bindings"][0]["n"]["value"]) == sizes[1] != sizes[0]


def test_query_page_for_a_browser_works_offline(served: Served) -> None:
    browser = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = served.client.get("/sparql", headers=browser)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<textarea" in page.text and "Truy vấn SPARQL" in page.text
    assert "//cdn" not in page.text and 'src="http' not in page.text and 'href="http' not in page.text
    results = served.client.get("/sparql", params={"query": TITLES}, headers=browser)
    assert "Kế hoạch thực hiện Chỉ thị 23-CT/TW" in results.text and "<table" in results.text
    bad = served.client.get("/sparql", params={"query": "SELECT WHERE {"}, headers=browser)
    assert bad.status_code == 400 and 'class="error"' in bad.text
    css = served.client.get("/static/style.css")
    assert css.status_code == 200 and "body" in css.text


def test_no_token_means_no_updates(tmp_path: Path) -> None:
    for served in _serve(tmp_path, sparql_workers=1):
        response = served.client.post("/sparql/update", data={"update": "CLEAR ALL"},
                                      headers={"authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 403 and response.json()["error"]["code"] == "read_only"
        assert len(served.corpus.store) > 0


# --- JSON API ----------------------------------------------------------------------------------------


def test_documents_list_and_filters(served: Served) -> None:
    listing = served.client.get("/api/documents").json()
    assert listing["total"] == 3
    assert [d["key"] for d in listing["documents"]] == ["266-KH/HU@2018", "117-KH/TU@2018", "23-CT/TW@2018"]
    plans = served.client.get("/api/documents", params={"type": "KH"}).json()
    assert {d["key"] for d in plans["documents"]} == {"266-KH/HU@2018", "117-KH/TU@2018"}
    assert served.client.get("/api/documents", params={"issuer": "phong thổ"}).json()["total"] == 1
    assert served.client.get("/api/documents", params={"since": "2018-05", "until": "2018-05"}).json()["total"] == 1
    page = served.client.get("/api/documents", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 3 and [d["key"] for d in page["documents"]] == ["117-KH/TU@2018"]
    bad = served.client.get("/api/documents", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_parameters"


def test_one_document_with_provisions_tasks_and_relations(served: Served) -> None:
    doc = served.client.get("/api/documents/117-KH/TU@2018").json()
    assert doc["number"] == "117-KH/TU" and doc["doc_type"] == "Kế hoạch"
    assert doc["organization"]["name"] == "Tỉnh ủy Lai Châu"
    assert [p["id"] for p in doc["provisions"]] == ["I", "II.2", "II.10"]
    assert doc["tasks"][0]["responsible"] == ["Ban Tuyên giáo"] and doc["tasks"][0]["deadline"] == "2018-12-31"
    assert [d["key"] for d in doc["relations"]["implements"]] == ["23-CT/TW@2018"]
    assert [d["key"] for d in doc["relations"]["basis_of"]] == ["266-KH/HU@2018"]
    missing = served.client.get("/api/documents/999-KH/TU@2018")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_document"


def test_implements_is_the_cli_answer(served: Served) -> None:
    response = served.client.get("/api/implements", params={"ref": "Chỉ thị 23"})
    assert response.status_code == 200, response.text
    body = response.json()
    iri = body["directive"]["iri"]
    assert body == json.loads(json.dumps(implementers(served.corpus.store, served.base, iri)))
    assert {d["key"]: d["via"] for d in body["documents"]} == {"117-KH/TU@2018": [],
                                                               "266-KH/HU@2018": ["117-KH/TU@2018"]}
    unknown = served.client.get("/api/implements", params={"ref": "Chỉ thị 999"})
    assert unknown.status_code == 404 and set(unknown.json()["error"]) == {"code", "message"}


def test_search_and_similar_are_the_cli_answers(served: Served) -> None:
    with served.corpus.search.bulk() as index:  # the server's own index object
        for doc in DOCS:
            index.add_document(doc)
    response = served.client.get("/api/search", params={"q": "hoc tap quan triet", "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = served.corpus.search.search("hoc tap quan triet", k=3).as_json()
    assert set(body) == {"query", "mode", "took_ms", "results"}
    assert [r["provision"]["iri"] for r in body["results"]] == [r["provision"]["iri"] for r in expected["results"]]
    top = body["results"][0]
    assert top["provision"]["id"] == "II.2" and top["document"]["key"] == "117-KH/TU@2018"
    filtered = served.client.get("/api/search", params={"q": "kiểm tra", "type": "CT", "mode": "bm25"}).json()
    assert filtered["results"] == []
    similar = served.client.get("/api/similar", params={"provision": top["provision"]["iri"], "k": 2})
    assert similar.status_code == 200 and similar.json()["mode"] == "similar"
    assert all(r["document"]["key"] != "117-KH/TU@2018" for r in similar.json()["results"])
    unknown = served.client.get("/api/similar", params={"provision": "urn:nothing"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_provision"
    bad_mode = served.client.get("/api/search", params={"q": "x", "mode": "magic"})
    assert bad_mode.status_code == 422


def test_hierarchy_nodes_and_edges(served: Served) -> None:
    graph = served.client.get("/api/hierarchy").json()
    ids = {n["id"] for n in graph["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])
    labels = {n["label"]: n for n in graph["nodes"]}
    assert labels["Huyện ủy Phong Thổ"]["kind"] == "organization"
    by_id = {n["id"]: n for n in graph["nodes"]}
    implements = {(by_id[e["source"]]["key"], by_id[e["target"]]["key"]) for e in graph["edges"]
                  if e["relation"] == "implements"}
    assert implements == {("117-KH/TU@2018", "23-CT/TW@2018")}
    issued = {(by_id[e["source"]].get("key"), by_id[e["target"]]["label"]) for e in graph["edges"]
              if e["relation"] == "issued_by"}
    assert ("266-KH/HU@2018", "Huyện ủy Phong Thổ") in issued
    assert any(e["relation"] == "sub_organization_of" for e in graph["edges"])
    assert all(isinstance(n["x"], float) for n in graph["nodes"] if n["kind"] == "document")
    around = served.client.get("/api/hierarchy", params={"root": "Kế hoạch 266", "depth": 1,
                                                         "organizations": "false"}).json()
    assert {n["key"] for n in around["nodes"]} == {"266-KH/HU@2018", "117-KH/TU@2018"}


def test_openapi_and_one_error_shape(served: Served) -> None:
    spec = served.client.get("/api/openapi.json").json()
    assert {"/api/documents", "/api/implements", "/api/hierarchy", "/api/health", "/sparql"} <= set(spec["paths"])
    assert served.client.get("/api/docs").status_code == 200
    for response in (served.client.get("/api/nope"), served.client.delete("/api/documents"),
                     served.client.get("/api/implements")):
        assert set(response.json()) == {"error"} and set(response.json()["error"]) == {"code", "message"}


# --- Dereferencing -------------------------------------------------------------------------------------


def test_document_and_organization_iris_dereference(served: Served) -> None:
    iri = served.client.get("/api/documents/117-KH/TU@2018").json()["iri"]
    path = "/" + iri.removeprefix(served.base)
    turtle = served.client.get(path, headers={"accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert (rdflib.URIRef(iri), rdflib.URIRef(ELI + "number"), rdflib.Literal("117-KH/TU")) in graph
    assert any(str(s).startswith(iri + "/p/") for s in graph.subjects())  # provisions come along
    jsonld = served.client.get(path, headers={"accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)
    html = served.client.get(path, headers={"accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "Kế hoạch thực hiện Chỉ thị" in html.text
    org = served.client.get("/org/huyen-uy-phong-tho", headers={"accept": "application/n-triples"})
    assert org.status_code == 200 and "Huyện ủy Phong Thổ" in org.text
    missing = served.client.get("/doc/tu/1900/nothing", headers={"accept": "text/turtle"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_resource"
