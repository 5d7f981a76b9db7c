"""Main-content extractors on the saved party-site pages of tests/data/html: which keeps the document whole
and leaves the wrapper out. Prints a Markdown table (copied into docs/extraction.md, "Sources").

Compared: trafilatura 2 (text output, tables included), readability-lxml alone (the text of its summary), and
the vnkg reader (readability-lxml's element, then ingest/read_html.py's pruning and line shaping).

Run:  pip install -e '.[bench]' && python benchmarks/html_extractors.py
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import lxml.html
import trafilatura
from readability import Document

from ingest.read_html import decode_html, html_text
from kg.errors import UnreadableFileError

PAGES = Path(__file__).resolve().parent.parent / "tests" / "data" / "html"


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _trafilatura(data: bytes, path: Path) -> str:
    return trafilatura.extract(decode_html(data, path), include_tables=True) or ""


def _readability(data: bytes, path: Path) -> str:
    summary = Document(decode_html(data, path)).summary(html_partial=True)
    return lxml.html.fromstring(summary).text_content()


def _vnkg(data: bytes, path: Path) -> str:
    try:
        return html_text(data, path)
    except UnreadableFileError:
        return ""  # refused: nothing kept


def main() -> None:
    """Print, per extractor: document paragraphs kept, wrapper strings leaked, list page refused, time."""
    gold = json.loads((PAGES / "gold.json").read_text("utf-8"))
    extractors: dict[str, Callable[[bytes, Path], str]] = {
        "trafilatura 2.x": _trafilatura, "readability-lxml": _readability, "vnkg (readability + pruning)": _vnkg,
    }
    print("| extractor | document paragraphs kept | wrapper strings leaked | list page refused | ms/page |")
    print("| --- | --- | --- | --- | --- |")
    for label, extract in extractors.items():
        kept = total = leaked = wrappers = 0
        refused, seconds = "no", 0.0
        for name, page in gold.items():
            path = PAGES / name
            start = time.perf_counter()
            text = _flat(extract(path.read_bytes(), path))
            seconds += time.perf_counter() - start
            if not page["document"]:
                refused = "yes" if not text else "no"
                continue
            kept += sum(_flat(p) in text for p in page["body"])
            total += len(page["body"])
            leaked += sum(_flat(w) in text for w in page["wrapper_only"])
            wrappers += len(page["wrapper_only"])
        print(f"| {label} | {kept}/{total} | {leaked}/{wrappers} | {refused} | {1000 * seconds / len(gold):.1f} |")


if __name__ == "__main__":
    main()
