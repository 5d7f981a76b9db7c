"""Golden files for the four sample plans, and the same plans in other formats and encodings.

The golden JSON files in tests/golden/ were reviewed line by line against the texts. To
regenerate after a deliberate change: ``REGEN_GOLDEN=1 pytest tests/test_extraction_golden.py``,
then review the diff before committing it.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest

from ingest.pipeline import extract_file
from ingest.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
REGISTRY = Registry.load(ROOT / "data" / "central_documents.json")
SEEDS = sorted((ROOT / "data" / "seeds").glob("*.txt"))
# Fields that must survive every format: identity, relations, references.
STABLE = ("number", "doc_type", "doc_type_code", "issuer", "place", "date", "key", "based_on", "implements",
          "implements_partly", "relations_between_references")


def _extract(path: Path) -> dict:
    doc = extract_file(path, REGISTRY)
    doc["source"]["path"] = path.name
    return doc


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_matches_golden(seed: Path) -> None:
    doc = _extract(seed)
    golden = GOLDEN / f"{seed.name[:3]}.json"
    if os.environ.get("REGEN_GOLDEN"):
        golden.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for field in expected:
        assert doc[field] == expected[field], field


def _stable(doc: dict) -> dict:
    out = {field: doc[field] for field in STABLE}
    out["references"] = sorted(ref["key"] for ref in doc["references"])
    out["tasks"] = [(t["provision"], t["deadline"]) for t in doc["tasks"]]
    return out


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Word wrote it: base letters precomposed, the tone as a combining mark."""
    out = []
    for char in text:
        try:
            char.encode("cp1258")
            out.append(char)
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tone = next(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            out.append(unicodedata.normalize("NFC", parts.replace(tone, "")) + tone)
    return "".join(out).encode("cp1258", errors="replace")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1258"])
def test_other_encodings_give_the_same_document(tmp_path: Path, encoding: str) -> None:
    seed = SEEDS[0]
    copy = tmp_path / "copy.txt"
    text = seed.read_text(encoding="utf-8")
    copy.write_bytes(_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    assert _stable(_extract(copy)) == _stable(_extract(seed))


def test_nfd_copy_gives_the_same_document_with_offsets_in_nfc(tmp_path: Path) -> None:
    seed = SEEDS[0]
    copy = tmp_path / "nfd.txt"
    copy.write_text(unicodedata.normalize("NFD", seed.read_text(encoding="utf-8")), encoding="utf-8")
    doc = _extract(copy)
    assert _stable(doc) == _stable(_extract(seed))
    nfc_text = seed.read_text(encoding="utf-8")
    for ref in doc["references"]:
        for mention in ref["mentions"]:
            assert nfc_text[mention["start"] : mention["end"]] == mention["text"]


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_word_file_gives_the_same_document(docx_from_seed, prefix: str) -> None:
    seed = next(s for s in SEEDS if s.name.startswith(prefix))
    from_word = _stable(_extract(docx_from_seed(prefix)))
    from_text = _stable(_extract(seed))
    assert from_word == from_text


def test_pdf_rendered_by_libreoffice_gives_the_same_document(docx_from_seed, pdf_from_docx) -> None:
    pdf = pdf_from_docx(docx_from_seed("000"))
    doc = _extract(pdf)
    expected = _stable(_extract(SEEDS[0]))
    got = _stable(doc)
    for field in ("number", "date", "key", "based_on", "implements", "references"):
        assert got[field] == expected[field], field
    assert doc["issuer"]["org"] == "Thành ủy Lai Châu"
    assert {t["deadline"] for t in doc["tasks"]} == {"2023-03-15", "2023-03-25"}
