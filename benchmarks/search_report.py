"""Write search benchmark figures into the ``## Search`` section of docs/benchmarks.md.

Only that section is touched; other sections belong to other benchmarks.
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION = "## Search"


def update(subsection: str, body: str, doc: Path = DOC, section: str = SECTION) -> None:
    """Replace (or append) ``### <subsection>`` inside ``section`` (``## Search`` by default)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    start = text.find(f"\n{section}\n")
    if start < 0:
        text = text.rstrip("\n") + f"\n\n{section}\n"
        start = text.find(f"\n{section}\n")
    body_start = start + len(section) + 2
    next_section = re.search(r"^## ", text[body_start:], re.MULTILINE)
    end = body_start + next_section.start() if next_section else len(text)
    content = text[body_start:end]
    block = f"### {subsection}\n\n{body.strip()}\n\n"
    pattern = re.compile(rf"^### {re.escape(subsection)}\n.*?(?=^### |\Z)", re.MULTILINE | re.DOTALL)
    content = pattern.sub(lambda _: block, content) if pattern.search(content) else content.rstrip("\n") + "\n\n" + block
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text[:body_start] + "\n" + content.strip("\n") + "\n\n" + text[end:].lstrip("\n"), encoding="utf-8")
