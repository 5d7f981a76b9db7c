"""Writes while serving, against a real ``kg serve`` in its own process: uploads, deletes, and
``kg ingest`` beside the server (handed over to it); readers see the new documents at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
TOKEN = "upload-token-for-tests"
KG = [sys.executable, "-c", "from api.cli import main; main()"]


@dataclass
class Server:
    home: Path
    url: str
    http: httpx.Client
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("served")
    env = {**os.environ, "KG_WRITE_TOKEN": TOKEN, "KG_SPARQL_WORKERS": "1", "KG_SEARCH_THREADS": "2"}
    port = _free_port()
    process = subprocess.Popen([*KG, "--home", str(home), "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=url, timeout=120)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if http.get("/api/health").json()["sparql_workers_ready"] >= 1:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("kg serve did not start: " + process.stderr.read().decode()[-2000:])
    try:
        yield Server(home, url, http, env)
    finally:
        http.close()
        process.terminate()
        process.wait(timeout=30)
    assert not (home / "server.json").exists()  # withdrawn when the server stops


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _files(*paths: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("file", (p.name, p.read_bytes(), "text/plain")) for p in paths]


def _count_graphs(server: Server) -> int:
    return server.http.get("/api/health").json()["named_graphs"]


def test_uploads_without_the_token_are_refused_and_store_nothing(server: Server) -> None:
    before = _count_graphs(server)
    seed = next(SEEDS.glob("000_*.txt"))
    assert server.http.post("/api/documents", files=_files(seed)).status_code == 401
    refused = server.http.post("/api/documents", files=_files(seed), headers=_auth("wrong"))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert server.http.delete("/api/documents/117-KH/ThU@2023").status_code == 401
    assert _count_graphs(server) == before
    assert not list((server.home / "uploads").glob("*/*")) if (server.home / "uploads").exists() else True


def test_upload_is_searchable_at_once_then_delete_removes_it(server: Server) -> None:
    seed = next(SEEDS.glob("000_*.txt"))  # 117-KH/ThU@2023, implementing Chỉ thị 23
    cascade = server.http.get("/api/implements", params={"ref": "Chỉ thị 23"})
    before = {d["key"] for d in cascade.json()["documents"]} if cascade.status_code == 200 else set()
    junk = ("file", ("notes.xyz", b"not a document", "application/octet-stream"))
    answer = server.http.post("/api/documents", files=[*_files(seed), junk], headers=_auth())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["keys"] == ["117-KH/ThU@2023"]
    assert [(f["file"], f["status"]) for f in body["files"]] == [(seed.name, "ingested"), ("notes.xyz", "skipped")]

    assert server.http.get("/api/documents/117-KH/ThU@2023").status_code == 200
    hits = server.http.get("/api/search", params={"q": "sơ kết 05 năm Chỉ thị 23", "k": 3}).json()["results"]
    assert hits and hits[0]["document"]["key"] == "117-KH/ThU@2023"
    after = {d["key"] for d in server.http.get("/api/implements", params={"ref": "Chỉ thị 23"}).json()["documents"]}
    assert "117-KH/ThU@2023" in after - before  # the cached cascade was dropped by the write
    query = 'SELECT ?d WHERE { ?d <https://w3id.org/vnkg/ontology#key> "117-KH/ThU@2023" }'
    rows = server.http.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    assert rows.json()["results"]["bindings"]  # the SPARQL workers follow the writer

    again = server.http.post("/api/documents", files=_files(seed), headers=_auth())
    assert again.status_code == 201 and again.json()["files"][0]["status"] == "unchanged"
    assert again.json()["keys"] == ["117-KH/ThU@2023"]

    deleted = server.http.delete("/api/documents/117-KH/ThU@2023", headers=_auth())
    assert deleted.status_code == 200 and deleted.json()["removed_files"] == 1
    assert server.http.get("/api/documents/117-KH/ThU@2023").status_code in (200, 404)  # may stay as cited
    hits = server.http.get("/api/search", params={"q": "sơ kết 05 năm Chỉ thị 23", "k": 10}).json()["results"]
    assert all(h["document"]["key"] != "117-KH/ThU@2023" for h in hits)
    gone = {d["key"] for d in server.http.get("/api/implements", params={"ref": "Chỉ thị 23"}).json()["documents"]}
    assert "117-KH/ThU@2023" not in gone
    assert not list((server.home / "uploads").glob("*/*.txt"))
    assert server.http.delete("/api/documents/117-KH/ThU@2023", headers=_auth()).status_code == 404


def test_an_upload_where_nothing_ingests_is_422(server: Server) -> None:
    empty = ("file", ("empty.txt", b"", "text/plain"))
    answer = server.http.post("/api/documents", files=[empty], headers=_auth())
    assert answer.status_code == 422
    assert answer.json()["files"][0]["status"] == "failed" and answer.json()["files"][0]["reason"]
    assert not list((server.home / "uploads").rglob("empty.txt"))  # a failed file is not kept
    assert server.http.post("/api/documents", data={"x": "1"}, headers=_auth()).status_code == 400


@pytest.mark.slow  # kg subprocesses / a browser
def test_kg_ingest_beside_kg_serve_hands_the_files_to_the_server(server: Server) -> None:
    seed = next(SEEDS.glob("002_*.txt"))
    done = subprocess.run([*KG, "--home", str(server.home), "ingest", str(seed), str(seed.with_name("nope.txt"))],
                          env=server.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # the missing file fails, the real one is ingested
    assert server.url in done.stderr and "nope.txt" in done.stderr
    assert "đã nạp" in done.stdout
    key = subprocess.run([*KG, "extract", str(seed), "--json"], capture_output=True, text=True, env=server.env)
    import json

    doc_key = json.loads(key.stdout)["key"]
    assert server.http.get(f"/api/documents/{doc_key}").json()["key"] == doc_key
    titles = server.http.get("/api/search", params={"q": "sơ kết", "k": 20}).json()["results"]
    assert any(h["document"]["key"] == doc_key for h in titles)


def test_a_server_without_a_write_token_refuses_writes(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.corpus import Corpus
    from api.settings import Settings

    corpus = Corpus(Settings.load(tmp_path, environ={}))
    with TestClient(create_app(corpus)) as client:
        seed = next(SEEDS.glob("000_*.txt"))
        answer = client.post("/api/documents", files=_files(seed), headers=_auth())
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "read_only"
        assert client.delete("/api/documents/x", headers=_auth()).status_code == 403
        assert client.post("/api/local/ingest", json={"path": str(seed)}, headers=_auth()).status_code == 403
        assert client.get("/upload").status_code == 404
        assert "/upload" not in client.get("/search").text  # no upload link on a read-only server


@pytest.mark.slow  # kg subprocesses / a browser
def test_kg_backup_beside_kg_serve_is_taken_by_the_server_and_restores(server: Server, tmp_path: Path) -> None:
    documents = server.http.get("/api/documents", params={"ingested": "true"}).json()
    done = subprocess.run([*KG, "--home", str(server.home), "backup", str(tmp_path / "copy")], env=server.env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and server.url in done.stderr, done.stderr
    refused = subprocess.run([*KG, "--home", str(server.home), "restore", str(tmp_path / "copy")], env=server.env,
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and "kg serve" in refused.stderr  # never under a running server
    restored = subprocess.run([*KG, "--home", str(tmp_path / "home"), "restore", str(tmp_path / "copy")],
                              env=server.env, capture_output=True, text=True, timeout=300)
    assert restored.returncode == 0, restored.stderr
    from api.corpus import Corpus
    from api.queries import list_documents
    from api.settings import Settings

    corpus = Corpus(Settings.load(tmp_path / "home", environ={}))
    assert list_documents(corpus.store, corpus.settings.base_iri, ingested=True) == documents


@pytest.mark.slow  # kg subprocesses / a browser
def test_the_upload_page_shows_progress_and_outcome_per_file(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    seed = next(SEEDS.glob("000_*.txt"))  # small: 8 provisions
    junk = tmp_path / "ghi-chu.odt"
    junk.write_bytes(b"not supported")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(server.url + "/search")
        page.click("nav a[href='/upload']")
        page.fill("#token", TOKEN)
        page.set_input_files("#files", [str(seed), str(junk)])
        page.click("form.upload button[type=submit]")
        page.wait_for_function("document.querySelectorAll('#uploads td.outcome a, #uploads td.error').length == 2",
                               timeout=120_000)
        outcomes = page.locator("#uploads tbody tr").all_inner_texts()
        assert outcomes[0].startswith(seed.name) and ("đã nạp" in outcomes[0] or "không đổi" in outcomes[0])
        assert "ghi-chu.odt" in outcomes[1] and "bỏ qua" in outcomes[1]
        assert page.locator("#uploads progress").first.get_attribute("value") is not None
        key = page.locator("#uploads td.outcome a").first.inner_text()
        page.click("#uploads td.outcome a")
        assert key in page.content()
        browser.close()
    assert server.http.get(f"/api/documents/{key}").status_code == 200


def test_hostile_keys_to_delete_are_404_and_remove_nothing(server: Server) -> None:
    before = _count_graphs(server)
    for key in ['x" } ; DROP ALL ; #', "> <http://127.0.0.1:9/> SERVICE", "%zz", "a\nb", "*", "../../etc/passwd"]:
        answer = server.http.delete("/api/documents/" + quote(key, safe="/"), headers=_auth())
        assert answer.status_code == 404, (key, answer.text)
    assert _count_graphs(server) == before
