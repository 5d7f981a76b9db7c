"""OCR on real scans: a plan rendered by LibreOffice, rasterized by pdftoppm, blurred and speckled.

The scans are built once per session (conftest ``plan_files``); each test reads one or two pages.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from api.cli import app
from ingest.ocr import OcrOptions
from ingest.pipeline import extract_file
from ingest.readers import read_file
from ingest.registry import Registry
from kg.errors import UnreadableFileError

REGISTRY = Registry.load(Path(__file__).resolve().parents[1] / "data" / "central_documents.json")
PLAN = "plan_mai_son"


@pytest.fixture(scope="session")
def ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OCR cache shared by the tests that are not about caching (each page is recognized once)."""
    return tmp_path_factory.mktemp("ocr-cache")


def _identity(doc: dict) -> dict:
    return {
        "number": doc["number"], "date": doc["date"], "key": doc["key"], "issuer": doc["issuer"]["org"],
        "based_on": doc["based_on"], "implements": doc["implements"],
        "references": sorted(ref["key"] for ref in doc["references"] if "/" in ref["key"]),
    }


def _failure(path: Path, **kwargs) -> str:
    with pytest.raises(UnreadableFileError) as info:
        read_file(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("plan", [PLAN, "guide_dien_bien"])
def test_scan_gives_the_identity_and_references_of_the_original(plan_files, tmp_path: Path, plan: str) -> None:
    seen: list[tuple[int, int]] = []
    options = OcrOptions(cache_dir=tmp_path / "cache", progress=lambda done, total: seen.append((done, total)))
    original = extract_file(plan_files[f"{plan}.docx"], REGISTRY)
    scan = extract_file(plan_files[f"{plan}.scan.pdf"], REGISTRY, ocr=options)
    assert _identity(scan) == _identity(original)
    assert original["number"] and original["date"] and len(_identity(original)["references"]) >= 3
    pages = len(PdfReader(plan_files[f"{plan}.scan.pdf"]).pages)
    assert scan["ocr"]["pages"] == list(range(1, pages + 1)) and 80 <= scan["ocr"]["confidence"] <= 100
    assert original["ocr"] is None and scan["source"]["format"] == "pdf"
    assert seen == [(n, pages) for n in range(1, pages + 1)]  # per-page progress, in order


def test_mixed_pdf_keeps_the_text_layer_and_reads_only_the_image_page(plan_files) -> None:
    text_page = read_file(plan_files[f"{PLAN}.pdf"]).text.split("II. NHIỆM VỤ")[0]
    mixed = read_file(plan_files[f"{PLAN}.mixed.pdf"])
    assert mixed.ocr is not None and mixed.ocr["pages"] == [2]
    assert mixed.text.startswith(text_page.rsplit("\n", 3)[0])  # page 1 as its text layer, not re-recognized
    assert "TỔ CHỨC THỰC HIỆN" in mixed.text and "Lò Văn Minh" in mixed.text


def test_png_is_read_by_ocr_with_the_header_column_by_column(plan_files, ocr_cache: Path) -> None:
    source = read_file(plan_files[f"{PLAN}.png"], ocr=OcrOptions(cache_dir=ocr_cache))
    assert source.format == "image" and source.ocr is not None and source.ocr["pages"] == [1]
    lines = [line for line in source.text.split("\n") if line.strip()]

    def where(part: str) -> int:
        return next(i for i, line in enumerate(lines) if part in line)

    assert where("ĐẢNG BỘ TỈNH") == 0 and where("MAI SƠN") < where("Số 87-KH/HU") < where("CỘNG SẢN VIỆT NAM")
    assert "Mai Sơn, ngày 14 tháng 4 năm 2022" in lines[where("CỘNG SẢN VIỆT NAM") + 1]  # left column, then right
    doc = extract_file(plan_files[f"{PLAN}.png"], REGISTRY, ocr=OcrOptions(cache_dir=ocr_cache))
    assert (doc["number"], doc["date"], doc["key"]) == ("87-KH/HU", "2022-04-14", "87-KH/HU@2022")


def test_ocr_is_cached_by_file_hash(plan_files, tmp_path: Path, ocr_cache: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(ocr_cache, cache)  # may already hold the page: the test alters its own copy
    first = read_file(plan_files[f"{PLAN}.png"], ocr=OcrOptions(cache_dir=cache))
    stored = list(cache.rglob(f"{first.sha256}.json"))
    assert len(stored) == 1
    entry = json.loads(stored[0].read_text("utf-8"))
    entry["pages"]["1"]["text"] = entry["pages"]["1"]["text"].replace("Lò Văn Minh", "Lò Văn Cache")
    stored[0].write_text(json.dumps(entry, ensure_ascii=False), "utf-8")
    again = read_file(plan_files[f"{PLAN}.png"], ocr=OcrOptions(cache_dir=cache))
    assert again.text != first.text or "Lò Văn Minh" not in first.text  # the cached page came back
    assert "Lò Văn Minh" not in again.text
    copy = tmp_path / "renamed scan.png"  # same bytes under another name: the same cache entry
    copy.write_bytes(plan_files[f"{PLAN}.png"].read_bytes())
    assert read_file(copy, ocr=OcrOptions(cache_dir=cache)).text == again.text


def test_kg_extract_shows_ocr_progress_and_uses_the_cache(plan_files, tmp_path: Path, ocr_cache: Path) -> None:
    shutil.copytree(ocr_cache, tmp_path / "cache" / "ocr")  # the cache under the home: no second recognition
    runner = CliRunner()
    result = runner.invoke(app, ["--home", str(tmp_path), "extract", str(plan_files[f"{PLAN}.png"]), "--json"])
    assert result.exit_code == 0, result.output
    assert "nhận dạng chữ (OCR) trang 1/1" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["number"] == "87-KH/HU" and doc["ocr"]["pages"] == [1]
    assert list((tmp_path / "cache" / "ocr").rglob("*.json"))


def _noise_png(path: Path) -> Path:
    rnd = random.Random(5)
    image = Image.frombytes("L", (600, 800), bytes(rnd.choice((0, 255)) for _ in range(600 * 800)))
    image.save(path)
    return path


def test_ocr_that_finds_no_text_says_so(tmp_path: Path) -> None:
    noise = _noise_png(tmp_path / "nhieu.png")
    assert "OCR found no text" in _failure(noise)
    blank = tmp_path / "trang trắng.png"
    Image.new("L", (1200, 1600), 255).save(blank)
    assert "OCR found no text" in _failure(blank)


def test_bad_images_and_missing_tesseract_fail_with_one_line(tmp_path: Path, monkeypatch) -> None:
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    assert "không phải tệp ảnh hợp lệ" in _failure(broken)
    page = tmp_path / "trang.tif"
    buffer = io.BytesIO()
    Image.new("L", (800, 600), 255).save(buffer, format="TIFF")
    page.write_bytes(buffer.getvalue())
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on the PATH
    assert re.search(r"chưa cài Tesseract.*apt-get install tesseract-ocr", _failure(page))


def test_kg_ingest_reads_a_folder_of_scans_and_saved_pages(plan_files, tmp_path: Path, ocr_cache: Path) -> None:
    folder = tmp_path / "ho so"
    folder.mkdir()
    shutil.copy(plan_files[f"{PLAN}.png"], folder / "ke hoach 87.png")
    shutil.copy(Path(__file__).parent / "data" / "html" / "huyen_uy_luc_yen_kh38.htm", folder)
    home = tmp_path / "home"
    shutil.copytree(ocr_cache, home / "cache" / "ocr")  # the page is already recognized: no second OCR
    runner = CliRunner()
    result = runner.invoke(app, ["--home", str(home), "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    found = runner.invoke(app, ["--home", str(home), "sparql",
                                "SELECT ?n WHERE { GRAPH ?g { ?d <http://data.europa.eu/eli/ontology#number> ?n } }",
                                "--format", "csv"])
    assert "87-KH/HU" in found.stdout and "38-KH/HU" in found.stdout, found.output
