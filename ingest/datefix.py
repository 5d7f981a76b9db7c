"""Impossible dates, as OCR and typing leave them, repaired from context or dropped — never kept.

A date is impossible when it lies after today, before the Party existed (3 February 1930), or — for a
citation — after the citing document. OCR misreads digits in known ways (``2063`` for ``2003``), so the
repair tries the years one misread digit away and keeps one only when the context singles it out: the
same document cited elsewhere in the text with the same day and month, the registry of central
documents, the term (khóa) named with the citation, the dates the document cites.

>>> sorted(misread_years(2063))
[2003, 2053, 2068, 2083, 2093, 2663, 2863, 2963]
>>> from datetime import date
>>> fix_document_date("2063-05-15", [2003], {2003}, date(2026, 1, 1))
('2003-05-15', 'Ngày ban hành “2063-05-15” không thể có, được hiểu là 2003-05-15 (impossible date repaired)')
>>> fix_document_date("2063-05-15", [2010], {2003, 2010}, date(2026, 1, 1))[0] is None  # cites 2010: not 2003
True
>>> fix_document_date("2068-05-15", [], set(), date(2026, 1, 1))[0] is None  # 2008? nothing says so
True
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from ingest.citations import Citation
from ingest.dates import MISREAD_DIGITS
from ingest.registry import Registry
from kg.identity import match_form, term_years

FOUNDED = date(1930, 2, 3)


def misread_years(year: int) -> set[int]:
    """The years one commonly misread digit away from ``year``."""
    digits = str(year)
    found = set()
    for i, digit in enumerate(digits):
        for other in MISREAD_DIGITS.get(digit, ""):
            found.add(int(digits[:i] + other + digits[i + 1 :]))
    return found


def years_in(text: str, today: date) -> set[int]:
    """Every possible year the text writes."""
    return {y for m in re.finditer(r"(?<!\d)(19[3-9]\d|20\d\d)(?!\d)", text) if (y := int(m.group(1))) <= today.year}


def _with_year(value: str, year: int) -> date | None:
    try:
        return date.fromisoformat(value).replace(year=year)
    except ValueError:
        return None


def _possible(value: str, latest: date) -> bool:
    return FOUNDED <= date.fromisoformat(value) <= latest


def fix_document_date(value: str | None, cited_years: list[int], text_years: set[int],
                      today: date) -> tuple[str | None, str | None]:
    """The document's own date, repaired or dropped when impossible; and the warning that says so.

    A reading is kept only when the text itself writes that year elsewhere (``text_years``: its
    deadlines, the dates it cites) and it is not older than a document it cites (``cited_years``).
    """
    if value is None or _possible(value, today):
        return value, None
    floor = max([y for y in cited_years if y <= today.year], default=FOUNDED.year)
    options = {d for y in misread_years(int(value[:4])) if (d := _with_year(value, y)) and floor <= y
               and y in text_years and FOUNDED <= d <= today}
    if len(options) == 1:
        repaired = options.pop().isoformat()
        return repaired, f"Ngày ban hành “{value}” không thể có, được hiểu là {repaired} (impossible date repaired)"
    return None, f"Ngày ban hành “{value}” không thể có, đã bỏ (impossible date dropped)"


def _context_dates(cite: Citation, cites: list[Citation], registry: Registry, latest: date) -> set[str]:
    """Dates that the rest of the text and the registry give the same document, same day and month."""
    month_day = cite.date.value[5:] if cite.date else ""
    same = [c for c in cites if c is not cite and c.number and cite.number
            and match_form(c.number) == match_form(cite.number)]
    dates = {c.date.value for c in same if c.date and _possible(c.date.value, latest)}
    dates |= {e.date for e in registry.by_number(cite.number or "")}
    return {d for d in dates if d[5:] == month_day and _possible(d, latest)}


def fix_citation_dates(cites: list[Citation], registry: Registry, doc_date: str | None, today: date) -> list[str]:
    """Repair (``repaired`` set) or drop every impossible citation date in place; return the warnings."""
    latest = min(date.fromisoformat(doc_date), today) if doc_date else today
    warnings = []
    for cite in cites:
        if cite.date is None or _possible(cite.date.value, latest):
            continue
        options = _context_dates(cite, cites, registry, latest)
        if not options:
            years = term_years(cite.term) if cite.term else None
            options = {d.isoformat() for y in misread_years(cite.date.year)
                       if (d := _with_year(cite.date.value, y)) and FOUNDED <= d <= latest
                       and (years is None or years[0] <= y <= years[1])}
        if len(options) == 1:
            cite.date = dataclasses.replace(cite.date, value=options.pop(), repaired=True)
        else:
            warnings.append(f"Ngày “{cite.date.text}” của trích dẫn {cite.number or ''} không thể có, đã bỏ "
                            "(impossible date dropped)")
            cite.date = None
    return warnings
