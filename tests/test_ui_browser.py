"""The web UI and the exported hierarchy file in a real browser (Debian's Chromium via Playwright).

A real ``kg serve`` on 127.0.0.1 serves a store built by ``kg ingest`` from the seeds; the search
index holds a few real provisions embedded by the bundled e5 model. Screenshots go to
``test-artifacts/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ingest.pipeline import extract_file
from ingest.registry import Registry
from search.embedders import make_embedder
from search.index import SearchIndex

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BASE = "https://w3id.org/vnkg/"
KG = str(Path(sys.executable).with_name("kg"))  # the console script of this environment


def _kg(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KG, "--home", str(home), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, write_seed_store: Callable[..., None]) -> Path:
    """A data directory with the seeds ingested and a few provisions of 266-KH/HU indexed for search."""
    home = tmp_path_factory.mktemp("home")
    write_seed_store(home / "store", BASE)  # as `kg ingest` writes it, without embedding every provision
    seed = next((ROOT / "data" / "seeds").glob("001_*.txt"))
    doc = extract_file(seed, Registry.load(ROOT / "data" / "central_documents.json"))
    doc["provisions"] = doc["provisions"][:5]  # keep the embedding work small
    index = SearchIndex(home / "index", make_embedder("e5"), BASE)
    assert index.add_document(doc) == 5
    index.close()
    return home


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([KG, "--home", str(home), "serve", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urlopen(url + "/api/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("kg serve did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _watch(page: Page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    return requests


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


def _click_node(page: Page, key: str) -> None:
    """Click the document ``key`` where Cytoscape drew it."""
    box = page.locator("#cy").bounding_box()
    assert box is not None
    point = page.evaluate("""key => { const n = window.hierarchyView.nodes('.doc').filter(x => x.data('key') === key);
        const p = n.renderedPosition(); return [p.x, p.y]; }""", key)
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def _canvas_has_ink(page: Page) -> bool:
    """Whether some canvas layer of the viewer holds non-transparent pixels."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#cy canvas')).some(c => {
        if (!c.width || !c.height) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
        return ink > 500; })""")


def test_search_document_and_hierarchy_pages(server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests = _watch(page)
    page.goto(server + "/")
    assert page.url.endswith("/search")
    page.fill("input[name=q]", "tuyên truyền")
    page.select_option("select[name=mode]", "bm25")
    page.click("form.search button[type=submit]")
    page.wait_for_selector("#results li.result")
    first = page.locator("#results li.result").first
    assert "266-KH/HU" in first.inner_text()
    assert "tuyên truyền" in first.locator("p.text mark").first.inner_text().lower()  # highlighted in place
    _shot(page, "ui-search.png")

    first.locator(".doc a").click()
    page.wait_for_selector("h1")
    assert "266-KH/HU" in page.locator("h1").inner_text()
    assert "23-CT/TW" in page.locator("body").inner_text()  # what it executes

    page.goto(server + "/document/23-CT/TW@2018")
    answers = page.locator("#answers").inner_text()
    assert "Huyện ủy Phong Thổ" in answers and "Thành ủy Lai Châu" in answers and "✓" in answers
    assert "117-KH/ThU" in page.locator("#cascade").inner_text()
    _shot(page, "ui-document.png")

    page.goto(server + "/hierarchy?root=" + "Chỉ thị 23")
    page.wait_for_function("window.hierarchyView && window.hierarchyView.nodes('.doc').length > 3")
    assert _canvas_has_ink(page)
    _click_node(page, "147-KH/TU@2023")
    details = page.locator("#hv-details")
    details.locator("h2").first.wait_for()
    assert "147-KH/TU" in details.inner_text() and "chỉ biết qua trích dẫn" in details.inner_text()
    _click_node(page, "23-CT/TW@2018")
    assert "Huyện ủy Phong Thổ" in details.inner_text()  # who answered the directive
    page.uncheck("#hv-rel-based_on")
    assert page.evaluate("window.hierarchyView.edges('.rel-based_on').not('.hidden').length") == 0
    _shot(page, "ui-hierarchy.png")
    details.locator("#hv-open").click()
    page.wait_for_url("**/document/23-CT/TW@2018")
    hosts = {urlsplit(u).hostname for u in requests}
    assert hosts == {"127.0.0.1"}, hosts
    page.close()


def test_exported_html_works_offline(browser: Browser, tmp_path: Path, write_seed_store: Callable[..., None]) -> None:
    write_seed_store(tmp_path / "store", BASE)  # its own store: the server above holds the other one
    out = tmp_path / "he-thong.html"
    printed = _kg(tmp_path, "graph", "--out", str(out)).stdout
    assert "Đã ghi" in printed
    html = out.read_text(encoding="utf-8")
    assert "<script src=" not in html and "<link" not in html  # everything inlined
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests = _watch(page)
    page.goto(out.as_uri())
    page.wait_for_function("window.hierarchyView && window.hierarchyView.nodes('.doc').length > 10")
    assert _canvas_has_ink(page)
    assert all(urlsplit(u).scheme in ("file", "data", "blob") for u in requests), requests
    _click_node(page, "266-KH/HU@2023")
    assert "266-KH/HU" in page.locator("#hv-details").inner_text()
    assert page.locator("#hv-open").get_attribute("href").startswith(BASE)
    _shot(page, "export-hierarchy.png")
    page.close()
