"""Resolve citations to document keys and merge them into references (SPEC section 3).

A number alone is not an identity: the year comes from the citation's own date, else
from its term, issuer or title matched against the registry, else from what the rest of
the document says about the same number. What stays ambiguous is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.citations import Citation
from ingest.dates import misread_digits
from ingest.orgs import Context, code_committee
from ingest.registry import Registry, RegistryEntry
from kg.document import Reference
from kg.identity import ISSUER_CODES, TYPE_NAMES, make_key, match_form, parse_number, term_years
from kg.text import fold, slugify

# number → keys that the corpus already ingested gives it ("147-KH/TU" → ["147-KH/TU@2023"])
KnownKeys = Callable[[str], list[str]]


@dataclass
class Resolution:
    """References in order of first mention, and the key each citation resolved to."""

    references: list[Reference] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)  # parallel to the citations
    warnings: list[str] = field(default_factory=list)


def _words(text: str | None) -> set[str]:
    return set(re.findall(r"\w+", fold(text or "")))


def _pick_entry(cite: Citation, entries: list[RegistryEntry]) -> RegistryEntry | None:
    """The registry entry that the citation's own evidence (date, term, issuer, title) singles out."""
    if cite.date:
        dated = [e for e in entries if e.year == cite.date.year]
        return dated[0] if len(dated) == 1 else None
    candidates = entries
    if cite.term:
        candidates = [e for e in candidates if e.term == cite.term.upper()] or candidates
    if cite.issuer and len(candidates) > 1:
        same = [e for e in candidates if fold(e.issuer) in fold(cite.issuer)]
        candidates = same or candidates
    if cite.title and len(candidates) > 1:
        overlap = {e.key: len(_words(cite.title) & _words(e.title)) for e in candidates}
        best = max(overlap.values())
        if best >= 3:
            candidates = [e for e in candidates if overlap[e.key] == best]
    return candidates[0] if len(candidates) == 1 else None


_LOCAL_CODES = sorted(((name, code) for code, (name, level) in ISSUER_CODES.items()
                       if level in ("province", "district", "commune")), key=lambda item: -len(item[0]))
_CENTRAL_ISSUER = re.compile(r"^(?:Ban Bí thư|Bộ Chính trị|Ban Chấp hành Trung ương)")


def issuer_code_of(issuer: str | None) -> str | None:
    """The code a committee prints after its numbers: "Ban Thường vụ Tỉnh ủy Sơn La" → ``TU``.

    >>> issuer_code_of("Ban Thường vụ Tỉnh ủy Sơn La"), issuer_code_of("Ban Tuyên giáo Tỉnh uỷ")
    ('TU', 'BTGTU')
    >>> issuer_code_of("Bộ Chính trị"), issuer_code_of("Thủ tướng Chính phủ")
    ('TW', None)
    """
    if not issuer:
        return None
    if _CENTRAL_ISSUER.match(issuer):
        return "TW"
    issuer = issuer.replace("uỷ", "ủy")
    return next((code for name, code in _LOCAL_CODES if name in issuer), None)


def _fill_bare(cites: list[Citation], registry: Registry) -> None:
    """"Chỉ thị 23" → the full number cited elsewhere in the text, else the central one, else the
    code of the issuer named with it ("Kế hoạch số 155, ngày ... của Ban Thường vụ Tỉnh ủy" → 155-KH/TU,
    marked ``inferred``)."""
    full = {(c.type_code, match_form(c.number).split("-")[0]): c.number for c in cites if c.number}
    for cite in cites:
        if cite.bare_seq and not cite.number:
            cite.number = full.get((cite.type_code, cite.bare_seq.zfill(2)))
            central = f"{cite.bare_seq}-{cite.type_code}/TW"
            if cite.number is None and registry.by_number(central):
                cite.number = central
            code = issuer_code_of(cite.issuer) if cite.number is None and cite.type_code else None
            if code:
                cite.number, cite.inferred = f"{cite.bare_seq}-{cite.type_code}/{code}", True


def _named_key(cite: Citation, ctx: Context) -> str:
    if not cite.named_place:
        return cite.named_key or ""
    unit = cite.named_place
    place = ""
    if unit == "tỉnh" and ctx.province:
        place = ctx.province
    elif ctx.org and fold(unit.split()[0]) in fold(ctx.org) and len(unit.split()) <= 2:
        place = ctx.org.split(" ", 2)[-1] if ctx.org.count(" ") >= 2 else ""
    congress = (cite.named_key or "").rsplit("-", 1)[-1]
    return f"NQDH-{slugify(f'{unit} {place}'.strip())}-{congress}"


def _year_for(cite: Citation, number: str, group: list[Citation], registry: Registry,
              doc_year: int | None, hints: set[str], warnings: list[str],
              known: KnownKeys | None = None) -> int | None:
    if cite.date:
        return cite.date.year
    parsed = parse_number(number)
    if parsed and parsed.year:  # "30/2020/NĐ-CP" carries its year
        return parsed.year
    entries = registry.by_number(number)
    chosen = _pick_entry(cite, entries) if entries else None
    if chosen:
        return chosen.year
    hinted = [e for e in entries if e.key in hints]
    if len(hinted) == 1:
        return hinted[0].year
    if cite.term and (years := term_years(cite.term)):
        in_term = [e for e in entries if years[0] <= e.year <= years[1]]
        if len(in_term) == 1:
            return in_term[0].year
    context_years = sorted({c.date.year for c in group if c.date})
    if len(context_years) == 1:
        return context_years[0]
    if len(entries) == 1 and not context_years:
        return entries[0].year
    corpus_years = sorted({y for key in (known(number) if known else []) if (y := _key_year(key))})
    if entries:
        corpus_years = [y for y in corpus_years if y in {e.year for e in entries}]
    if len(corpus_years) == 1 and not context_years:
        return corpus_years[0]  # the one the corpus already ingested points to
    candidates = sorted({e.year for e in entries} | set(context_years))
    if len(candidates) > 1:
        before = [y for y in candidates if doc_year is None or y <= doc_year] or candidates
        warnings.append(f"Trích dẫn {number} không rõ năm (có thể là {', '.join(map(str, candidates))}); "
                        f"tạm chọn {before[-1]} (ambiguous citation)")
        return before[-1]
    return None


def _key_year(key: str) -> int | None:
    year = key.rpartition("@")[2]
    return int(year) if year.isdigit() else None


def _is_own(cite: Citation, own_number: str | None, doc_year: int | None) -> bool:
    """A mention of the document's own number, unless its date makes it an older homonym."""
    if own_number is None or match_form(cite.number or "") != match_form(own_number):
        return False
    return cite.date is None or doc_year is None or cite.date.year == doc_year


def _registry_hints(cites: list[Citation], registry: Registry) -> set[str]:
    """Keys that other cited documents point to: what a dated citation's registry entry implements.

    Kết luận 01-KL/TW (2021) continues Chỉ thị 05-CT/TW (2016), so an undated "Chỉ thị 05-CT/TW" next
    to it is the 2016 one.
    """
    hints: set[str] = set()
    for cite in cites:
        for entry in registry.by_number(cite.number or ""):
            if cite.date is None or entry.year == cite.date.year:
                hints.update(entry.implements)
    return hints


def _misread_central(cites: list[Citation], registry: Registry) -> None:
    """A dated central number the registry lacks, one misread digit away from a registered number of
    that very date, is that document: OCR's "91-KL/TW, ngày 18/5/2021" is 01-KL/TW."""
    for cite in cites:
        parsed = parse_number(cite.number) if cite.number and cite.date else None
        if not parsed or not parsed.is_central or registry.by_number(cite.number):
            continue
        rest = cite.number[len(parsed.seq):]
        same_day = {e.number for seq in misread_digits(parsed.seq) for e in registry.by_number(seq + rest)
                    if e.date == cite.date.value}
        if len(same_day) == 1:
            cite.number = same_day.pop()


def resolve_citations(cites: list[Citation], ctx: Context, registry: Registry,
                      own_number: str | None, doc_year: int | None,
                      known: KnownKeys | None = None) -> Resolution:
    """Turn citations into keyed, merged references with metadata (registry facts filled in)."""
    _misread_central(cites, registry)
    _fill_bare(cites, registry)
    result = Resolution()
    groups: dict[str, list[Citation]] = {}
    for cite in cites:
        if cite.number:
            entries = registry.by_number(cite.number)
            cite.number = entries[0].number if entries else cite.number  # the registry's spelling
            groups.setdefault(match_form(cite.number), []).append(cite)
    hints = _registry_hints(cites, registry)
    by_key: dict[str, Reference] = {}
    printed: set[str] = set()  # keys that some mention prints in full
    for cite in cites:
        if cite.date and cite.date.repaired:
            result.warnings.append(f"Ngày viết sai “{cite.date.text}” được hiểu là {cite.date.value} "
                                   "(date typo repaired)")
        if cite.named_key:
            key = _named_key(cite, ctx)
        elif cite.number and _is_own(cite, own_number, doc_year):
            result.keys.append(None)  # the document's own number ("kèm theo Kế hoạch số ...")
            continue
        elif cite.number:
            key = make_key(cite.number, _year_for(cite, cite.number, groups[match_form(cite.number)], registry,
                                                  doc_year, hints, result.warnings, known))
        else:
            result.keys.append(None)
            continue
        result.keys.append(key)
        ref = by_key.get(key)
        if ref is None:
            ref = by_key[key] = Reference(key=key, number=cite.number, doc_type=None, date=None, issuer=None,
                                          issuer_org=None, title=None, mentions=[])
            result.references.append(ref)
        _merge(ref, cite)
        if not cite.inferred:
            printed.add(key)
    for ref in result.references:
        _complete(ref, registry, ctx)
        if ref["key"] not in printed:
            ref["number_inferred"] = True
    result.warnings = list(dict.fromkeys(result.warnings))
    return result


def _merge(ref: Reference, cite: Citation) -> None:
    ref["mentions"].append({"text": "", "start": cite.start, "end": cite.end})
    if ref["doc_type"] is None and cite.type_word:
        ref["doc_type"] = cite.type_word
    if ref["date"] is None and cite.date:
        ref["date"] = cite.date.value
    if ref["issuer"] is None and cite.issuer:
        ref["issuer"] = cite.issuer
    if cite.title and ref["title"] is None:  # the first full citation is the careful one
        ref["title"] = cite.title


_CENTRAL_BODY = re.compile(r"^(Ban Bí thư|Bộ Chính trị|Ban Chấp hành Trung ương|Ban Tuyên giáo Trung ương)"
                           r"(?:\s+Trung ương)?(?:\s+Đảng)?(?:\s+(?:Cộng sản Việt Nam|khóa\s+\w+|khoá\s+\w+))*$")


def _central_body(issuer: str | None) -> str | None:
    """One name per central body: "Ban Bí thư Trung ương Đảng" is "Ban Bí thư"."""
    match = _CENTRAL_BODY.match(issuer or "")
    return match.group(1) if match else issuer


def _complete(ref: Reference, registry: Registry, ctx: Context) -> None:
    """Fill what the text left out from the registry and the citing document's context."""
    ref["issuer"] = _central_body(ref["issuer"])
    entry = registry.get(ref["key"])
    number = parse_number(ref["number"]) if ref["number"] else None
    if entry:
        ref["date"] = ref["date"] or entry.date
        ref["issuer"] = ref["issuer"] or entry.issuer
        ref["title"] = entry.title  # the registry's title is the authoritative one
        ref["doc_type"] = ref["doc_type"] or entry.doc_type
    if ref["key"].startswith("NQTW"):
        ref["issuer"] = ref["issuer"] or "Ban Chấp hành Trung ương"
    if ref["doc_type"] is None:
        code = number.type_code if number else "NQ"
        ref["doc_type"] = TYPE_NAMES.get(code, code)
    if number and not number.is_central and number.form == "party":
        if ref["issuer"]:
            ref["issuer"] = ctx.resolve_phrase(ref["issuer"])
            ref["issuer_org"] = ctx.resolve(ref["issuer"])
        else:
            ref["issuer_org"] = code_committee(number.issuer_code, ctx)
