"""The outline of the body: sections ``I.``, items ``1.``, ``2.1.``, ``a)`` → provisions with paths.

Every body line belongs to exactly one provision: the nearest heading above it. Bullets
(``-``, ``+``) stay inside their item's text. Annexes get their own id prefix (``PL1.``).
"""

from __future__ import annotations

import re

from ingest.layout import Layout
from ingest.normalize import squash
from kg.document import Provision

_HEADINGS = (
    (0, re.compile(r"^(?P<n>[IVX]{1,5})\.\s*(?P<rest>\S.*)?$")),
    (2, re.compile(r"^(?P<n>\d{1,2}\.\d{1,2})\.?(?:\s+(?P<rest>\S.*))?$")),
    (1, re.compile(r"^(?P<n>\d{1,2})\.,?(?:\s+(?P<rest>\S.*))?$")),
    (3, re.compile(r"^(?P<n>[a-zđ])\)\s+(?P<rest>\S.*)$")),
)
_PATH_MAX = 100


def _heading(line: str) -> tuple[int, str] | None:
    for level, pattern in _HEADINGS:
        if m := pattern.match(line):
            return level, m.group("n")
    return None


def _path_label(line: str) -> str:
    if len(line) <= _PATH_MAX:
        return line
    cut = line[:_PATH_MAX]
    colon = cut.find(":")
    return cut[: colon + 1] if colon > 10 else cut.rsplit(" ", 1)[0] + "…"


class _Builder:
    def __init__(self, prefix: str, root_path: list[str]) -> None:
        self.prefix, self.root_path = prefix, root_path
        self.stack: list[tuple[int, str, str]] = []  # (level, number, label)
        self.items: list[tuple[str, list[str], list[str]]] = []  # (id, path, lines)

    def open(self, level: int, number: str, line: str) -> None:
        self.stack = [entry for entry in self.stack if entry[0] < level]
        self.stack.append((level, number.split(".")[-1] if level == 2 else number, _path_label(line)))
        parts = [n for _, n, _ in self.stack]
        if level == 2:  # "2.1." carries its parent number itself
            parts = [n for lv, n, _ in self.stack if lv == 0] + number.split(".")
        ident = self.prefix + ".".join(parts)
        self.items.append((ident, self.root_path + [lab for _, _, lab in self.stack], [line]))

    def add(self, line: str, fallback_id: str, fallback_path: list[str]) -> None:
        if not self.items:
            self.items.append((fallback_id, fallback_path, []))
        self.items[-1][2].append(line)

    def provisions(self) -> list[Provision]:
        ids = [ident for ident, _, _ in self.items]
        out: list[Provision] = []
        for k, (ident, path, lines) in enumerate(self.items):
            has_children = any(other.startswith(ident + ".") for other in ids[k + 1 :])
            if not lines or (len(lines) == 1 and has_children and len(lines[0]) < _PATH_MAX):
                continue  # a bare heading: its children carry the text
            out.append(Provision(id=ident, path=path, text="\n".join(lines)))
        return out


def _lines(layout: Layout, first: int, last: int) -> list[str]:
    return [squash(layout.lines[i].text) for i in range(first, last)
            if i not in layout.footnotes and layout.lines[i].stripped]


def provisions(layout: Layout) -> list[Provision]:
    """The provisions of the body and of each annex, in reading order."""
    body = _Builder("", [])
    for line in _lines(layout, *layout.body):
        found = _heading(line)
        if found:
            body.open(found[0], found[1], line)
        else:
            body.add(line, "preamble", ["Phần mở đầu"])
    result = body.provisions()
    for k, (first, last) in enumerate(layout.annexes, start=1):
        lines = _lines(layout, first, last)
        if not lines:
            continue
        title = lines[0] if len(lines[0]) > 14 or len(lines) < 2 else f"{lines[0]} {lines[1]}"
        annex = _Builder(f"PL{k}.", [_path_label(title)])
        for line in lines:
            found = _heading(line)
            if found:
                annex.open(found[0], found[1], line)
            else:
                annex.add(line, f"PL{k}", [_path_label(title)])
        result.extend(annex.provisions())
    return _unique(result)


def _unique(items: list[Provision]) -> list[Provision]:
    """Repeated numbering (a restarted list) must not give two provisions one id."""
    seen: dict[str, int] = {}
    for item in items:
        count = seen.get(item["id"], 0)
        seen[item["id"]] = count + 1
        if count:
            item["id"] = f"{item['id']}~{count + 1}"
    return items
