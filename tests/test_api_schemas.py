"""Every JSON answer of the running server matches what ``/api/openapi.json`` documents for it.

The server (uvicorn on 127.0.0.1, the store of ``test_http``, its search index filled) answers
each JSON route; the answer is validated with ``jsonschema`` against the schema that the OpenAPI
document gives for that route's 2xx response, made strict: an object may hold only documented
fields, so a field added to an answer without its model fails here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from kg.organizations import import_registry, read_registry
from tests.test_http import DOCS, TOKEN, Served, _serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("schemas")
    registry = home / "orgs.csv"  # the units that answer plans (for /api/status)
    registry.write_text("name,level,parent,aliases,valid_from,valid_to,successors\n"
                        "Tỉnh ủy Lai Châu,tinh,,,,,\nHuyện ủy Phong Thổ,huyen,Tỉnh ủy Lai Châu,,,,\n", "utf-8")
    for served in _serve(home, sparql_workers=1, write_token=TOKEN):
        import_registry(served.corpus.store, served.base, read_registry(registry))
        with served.corpus.search.bulk() as index:
            for doc in DOCS:
                index.add_document(doc)
        yield served


def _strict(node: Any) -> Any:
    """The schema with ``additionalProperties: false`` on every object that lists its properties."""
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items()}
        if "properties" in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


@pytest.fixture(scope="module")
def spec(served: Served) -> dict[str, Any]:
    return served.client.get("/api/openapi.json").json()


def _validator(spec: dict[str, Any], path: str, method: str, status: str) -> jsonschema.Draft202012Validator:
    response = spec["paths"][path][method]["responses"][status]
    schema = response["content"]["application/json"]["schema"]
    assert "$ref" in schema, f"{method.upper()} {path} documents no model: {schema}"
    root = {**schema, "components": _strict(copy.deepcopy(spec["components"]))}
    return jsonschema.Draft202012Validator(root)


CALLS = [  # (OpenAPI path, method, status, request path, params)
    ("/api/health", "get", "200", "/api/health", {}),
    ("/api/documents", "get", "200", "/api/documents", {}),
    ("/api/documents", "get", "200", "/api/documents", {"type": "KH", "ingested": "false"}),
    ("/api/documents/{key}", "get", "200", "/api/documents/117-KH/TU@2018", {}),
    ("/api/implements", "get", "200", "/api/implements", {"ref": "Chỉ thị 23"}),
    ("/api/search", "get", "200", "/api/search", {"q": "học tập quán triệt", "k": 3}),
    ("/api/search", "get", "200", "/api/search", {"q": "kiem tra", "mode": "bm25", "type": "KH"}),
    ("/api/hierarchy", "get", "200", "/api/hierarchy", {}),
    ("/api/hierarchy", "get", "200", "/api/hierarchy", {"root": "Chỉ thị 23", "depth": 1, "organizations": "false"}),
    ("/api/status", "get", "200", "/api/status", {"ref": "117-KH/TU", "as_of": "2019-01-01"}),
]


@pytest.mark.parametrize(("path", "method", "status", "url", "params"), CALLS,
                         ids=[f"{c[3]}?{'&'.join(c[4])}" for c in CALLS])
def test_live_answers_match_the_openapi_schema(served: Served, spec: dict[str, Any], path: str, method: str,
                                               status: str, url: str, params: dict[str, Any]) -> None:
    response = served.client.request(method.upper(), url, params=params)
    assert str(response.status_code) == status, response.text
    body = response.json()
    _validator(spec, path, method, status).validate(body)
    assert body  # and the answer is not trivially empty
    if path == "/api/documents/{key}":
        assert body["provisions"] and body["tasks"] and body["relations"]["implements"]


def test_similar_and_delete_match_their_schemas(served: Served, spec: dict[str, Any]) -> None:
    hit = served.client.get("/api/search", params={"q": "kiểm tra giám sát", "k": 1}).json()["results"][0]
    similar = served.client.get("/api/similar", params={"provision": hit["provision"]["iri"], "k": 3})
    assert similar.status_code == 200, similar.text
    _validator(spec, "/api/similar", "get", "200").validate(similar.json())
    deleted = served.client.delete("/api/documents/266-KH/HU@2018", headers={"authorization": f"Bearer {TOKEN}"})
    assert deleted.status_code == 200, deleted.text
    _validator(spec, "/api/documents/{key}", "delete", "200").validate(deleted.json())


def test_every_json_route_documents_a_model(spec: dict[str, Any]) -> None:
    undocumented = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if status.startswith("2") and schema is not None and "$ref" not in schema:
                    undocumented.append(f"{method.upper()} {path} {status}")
    assert not undocumented, undocumented


def test_a_strict_schema_rejects_an_undocumented_field(spec: dict[str, Any], served: Served) -> None:
    body = served.client.get("/api/health").json()
    with pytest.raises(jsonschema.ValidationError):
        _validator(spec, "/api/health", "get", "200").validate({**body, "surprise": 1})
