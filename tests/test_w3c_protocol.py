"""The W3C SPARQL 1.1 Protocol test suite, run against a live server (uvicorn on 127.0.0.1).

The manifest (``/work/shared/w3c-rdf-tests/sparql11-protocol``, copied into ``tests/data/w3c-protocol``)
describes each test as HTTP requests (method, path under ``/sparql/``, headers, body) and the
expected answer (status class, result format, ASK boolean). The graphs the dataset tests assume
(``data1.nt`` … ``data3.nt``) are loaded as named graphs first. Every query test must pass as
written; every update test must be refused with a 4xx (no write token is sent) and change nothing.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace
from rdflib.collection import Collection

from tests.test_http import Served, _serve

SUITE = Path(__file__).resolve().parent / "data" / "w3c-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml"}


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  # acceptable status classes: 2, 3, 4, 5
    fmt: str | None
    boolean: bool | None


@dataclass
class Case:
    name: str
    steps: list[Step]
    graphs: dict[str, Path]

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _manifest() -> list[Case]:
    graph = rdflib.Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=(SUITE / "manifest.ttl").as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    for test in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(test, MF.action)
        steps = []
        for request in Collection(graph, graph.value(action, HT.requests)):
            headers = {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
                       for h in Collection(graph, graph.value(request, HT.headers) or RDF.nil)}
            body_node = graph.value(request, HT.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            response = graph.value(request, HT.resp)
            statuses = {int(str(s).rsplit("StatusCode", 1)[1][0]) for s in graph.objects(response, MF.expectedStatus)}
            boolean = graph.value(response, MF.expectedBoolean)
            fmt = graph.value(response, MF.expectedFormat)
            path = str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
            steps.append(Step(str(graph.value(request, HT.methodName)), path, headers, body, statuses,
                              str(fmt) if fmt else None, None if boolean is None else boolean.toPython()))
        graphs = {str(graph.value(d, RDFS.label)): Path(str(graph.value(d, UT.graph)).removeprefix("file://"))
                  for d in graph.objects(test, UT.graphData)}
        cases.append(Case(str(test).rsplit("#", 1)[1], steps, graphs))
    return cases


CASES = _manifest()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    for served in _serve(tmp_path_factory.mktemp("w3c"), sparql_workers=1):
        for case in CASES:
            for label, path in case.graphs.items():
                served.corpus.store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(label))
        yield served


def _boolean(response: Any) -> bool:
    media = response.headers["content-type"].split(";")[0]
    if "json" in media:
        return json.loads(response.text)["boolean"]
    root = ET.fromstring(response.content)
    return next(e for e in root.iter() if e.tag.endswith("boolean")).text == "true"


def _check_format(step: Step, response: Any) -> None:
    media = response.headers["content-type"].split(";")[0]
    if step.fmt == "boolean":
        assert _boolean(response) is (True if step.boolean is None else step.boolean)  # ASK {} is true
    elif step.fmt == "tabular":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                         "text/tab-separated-values"), media
        if media == "application/sparql-results+json":
            assert "bindings" in json.loads(response.text)["results"]
    elif step.fmt == "RDF":
        assert media in RDF_TYPES, media
        rdflib.Graph().parse(data=response.text, format=RDF_TYPES[media])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_w3c_protocol(served: Served, case: Case) -> None:
    before = len(served.corpus.store)
    for number, step in enumerate(case.steps):
        response = served.client.request(step.method, step.path, headers=step.headers, content=step.body)
        if case.is_update and number == 0:  # refused: no token (the next steps would check its effect)
            assert 400 <= response.status_code < 500, response.text
            assert len(served.corpus.store) == before
            return
        assert response.status_code // 100 in step.statuses, (step.path, response.status_code, response.text[:300])
        if response.status_code < 300:
            _check_format(step, response)


def test_the_suite_is_complete() -> None:
    assert len(CASES) == 34
    assert sum(case.is_update for case in CASES) == 7
