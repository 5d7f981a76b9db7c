"""The registry of central documents shipped in ``data/``: facts for citations of unread documents."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kg.identity import central_term, make_key, match_form, parse_number


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One central document: number, date, issuer, title, term, and what it implements."""

    number: str
    date: str
    issuer: str
    doc_type: str
    title: str
    implements: tuple[str, ...] = ()

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def key(self) -> str:
        return make_key(self.number, self.year)

    @property
    def term(self) -> str | None:
        return central_term(date.fromisoformat(self.date))


@dataclass(frozen=True)
class Registry:
    """Lookup of central documents by key and by number (homonyms share a number)."""

    entries: tuple[RegistryEntry, ...] = ()
    _by_number: dict[str, list[RegistryEntry]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            self._by_number.setdefault(match_form(entry.number), []).append(entry)

    @classmethod
    def load(cls, path: Path) -> Registry:
        """Read the JSON registry; a missing file gives an empty registry."""
        if not path.exists():
            return cls()
        rows = json.loads(path.read_text(encoding="utf-8"))
        entries = []
        for row in rows:
            parsed = parse_number(row["number"])
            number = parsed.text if parsed else row["number"]
            entries.append(RegistryEntry(number, row["date"], row["issuer"], row["doc_type"], row["title"],
                                         tuple(row.get("implements", ()))))
        return cls(tuple(entries))

    def by_number(self, number: str) -> list[RegistryEntry]:
        """All registered documents printed with ``number`` (oldest first)."""
        return sorted(self._by_number.get(match_form(number), []), key=lambda e: e.date)

    def get(self, key: str) -> RegistryEntry | None:
        """The entry whose key is ``key``."""
        number, _, _ = key.rpartition("@")
        return next((e for e in self._by_number.get(match_form(number), []) if e.key == key), None)
