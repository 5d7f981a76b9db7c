"""Who has answered a plan, who answered late, who is overdue (``kg status``), on the registry of organizations.

- **Expected units**: the registry's units that the plan's recipients ("Nơi nhận") and its "Tổ chức
  thực hiện" section cover, at the plan's date: a group phrase ("các chi bộ, đảng bộ cơ sở") means
  the issuer's children at that level valid then ("các đảng bộ trực thuộc": at any level below it); a unit below the issuer's level named by name or
  alias is expected too (the issuer's own departments, at its level, are not).
- **Deadline per level**: the tasks the plan sets for a level ("Cấp cơ sở: ... trước ngày 15/3/2023")
  or for a named unit; a month or quarter ends on its last day. Several for one level: the earliest.
- **Status at ``as_of``**: units that no longer exist then are replaced by their successors, which
  inherit their predecessors' answers. A unit answered when a document of it (or of a predecessor)
  is based on the plan and dated on or before ``as_of`` (an undated one counts as on time): late when
  its first answer is after the deadline; without one, overdue past the deadline, pending before it
  (and when the plan sets no deadline).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pyoxigraph import NamedNode, Store

from kg.errors import KgError
from kg.organizations import LEVELS, Organization, OrgRegistry, documents_of, issued_documents
from kg.orgnames import Context, committee_name, name_key
from kg.store import select

ANSWERED, LATE, OVERDUE, PENDING = "answered", "answered_late", "overdue", "pending"
STATUS_LABELS = {ANSWERED: "Đã gửi đúng hạn", LATE: "Gửi muộn", OVERDUE: "Quá hạn, chưa gửi", PENDING: "Chưa gửi"}

# Group phrases (folded) → registry levels they cover, most specific first.
_ALL_BELOW = "*"  # every unit directly under the issuer, whatever its level
_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    (r"(?:dang bo|dang uy|chi bo|cap uy|to chuc (?:co so )?dang|chi, dang bo)(?: cac cap)? truc thuoc",
     frozenset({_ALL_BELOW})),
    (r"chi(?: bo)?, dang bo co so|to chuc co so dang|cap co so|chi bo, dang bo cac cap",
     frozenset({"co-so", "chi-bo"})),
    (r"dang bo co so|dang uy co so|dang uy cac (?:xa|phuong)|dang uy (?:xa|phuong), |cac xa, phuong|cap xa|cap phuong",
     frozenset({"co-so"})),
    (r"cac chi bo", frozenset({"chi-bo"})),
    (r"cac huyen uy|huyen, thi, thanh uy|huyen uy, thanh uy|cap huyen", frozenset({"huyen"})),
    (r"cac tinh uy|tinh uy, thanh uy truc thuoc|cap tinh", frozenset({"tinh"})),
)
_SECTION = re.compile(r"to chuc thuc hien")


def _fold(text: str) -> str:
    return name_key(text)


def group_levels(text: str) -> set[str]:
    """Registry levels a phrase names as a group.

    >>> sorted(group_levels("Các chi bộ, đảng bộ cơ sở")), sorted(group_levels("Cấp cơ sở"))
    (['chi-bo', 'co-so'], ['chi-bo', 'co-so'])
    >>> sorted(group_levels("Đảng ủy các xã, phường")), group_levels("Đảng ủy xã Bình Lư")
    (['co-so'], set())
    >>> group_levels("Các đảng bộ trực thuộc Tỉnh ủy"), group_levels("Các chi, đảng bộ trực thuộc")
    ({'*'}, {'*'})
    """
    folded = _fold(text)
    levels: set[str] = set()
    for pattern, covered in _GROUPS:
        if re.search(pattern, folded):
            levels |= covered
    return levels


def _named(folded: str, org: Organization) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(_fold(n))}(?!\w)", folded) for n in org.names)


def plan_facts(store: Store, base: str, iri: str) -> dict[str, Any]:
    """What the status needs from a plan: key, date, issuer names, recipients, "Tổ chức thực hiện" texts, tasks."""
    me = NamedNode(iri)

    def values(path: str) -> list[str]:  # one small query per fact: joined OPTIONALs are slow in Oxigraph
        rows = select(store, base, f"SELECT DISTINCT ?v WHERE {{ {me} {path} ?v }}")
        return sorted(r["v"].value for r in rows)

    keys = values("vnkg:key")
    if not keys:
        raise KgError(f"không tìm thấy văn bản {iri}")
    dates, titles, numbers, types = (values(p) for p in ("eli:date_document", "eli:title", "eli:number",
                                                          "eli:type_document/skos:prefLabel"))
    provisions = select(store, base, f"""SELECT ?path ?text WHERE {{
        {me} eli:has_part ?p . ?p vnkg:provisionPath ?path ; vnkg:text ?text }}""")
    tasks = select(store, base, f"""SELECT ?t (SAMPLE(?x) AS ?text) (SAMPLE(?end) AS ?deadline)
        (GROUP_CONCAT(DISTINCT ?u; SEPARATOR="\\u001f") AS ?units)
        (GROUP_CONCAT(DISTINCT ?pu; SEPARATOR="\\u001f") AS ?partners) WHERE {{
          {me} vnkg:hasTask ?t . OPTIONAL {{ ?t vnkg:text ?x }} OPTIONAL {{ ?t vnkg:deadlineEnd ?end }}
          OPTIONAL {{ ?t vnkg:responsibleUnit ?u }} OPTIONAL {{ ?t vnkg:partnerUnit ?pu }} }} GROUP BY ?t""")
    return {
        "iri": iri, "key": keys[0], "number": numbers[0] if numbers else None,
        "doc_type": types[0] if types else None, "date": dates[0] if dates else None,
        "title": titles[0] if titles else None,
        "issuer_names": sorted({*values("eli:passed_by/skos:prefLabel"), *values("vnkg:issuerName")}),
        "recipients": values("vnkg:recipient"),
        "implementation": [r["text"].value for r in provisions if _SECTION.search(_fold(r["path"].value))],
        "tasks": sorted(({"iri": r["t"].value, "text": r["text"].value if r["text"] else "",
                          "deadline": r["deadline"].value if r["deadline"] else None,
                          "responsible": [u for u in (r["units"].value if r["units"] else "").split("\x1f") if u],
                          "partners": [u for u in (r["partners"].value if r["partners"] else "").split("\x1f") if u]}
                         for r in tasks), key=lambda t: _task_number(t["iri"])),
    }


def _task_number(iri: str) -> int:
    tail = iri.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def issuer_unit(registry: OrgRegistry, plan: dict[str, Any]) -> Organization:
    """The registry unit that issued the plan; :class:`KgError` when the registry does not know it."""
    for name in plan["issuer_names"]:
        found = registry.find(name)
        if found is not None:
            return found
    names = ", ".join(plan["issuer_names"]) or "(không rõ)"
    raise KgError(f"cơ quan ban hành {plan['key']} ({names}) không có trong danh mục tổ chức")


def expected_units(registry: OrgRegistry, plan: dict[str, Any]) -> list[Organization]:
    """The units the plan expects an answer from, at its date (see the module docstring)."""
    issuer = issuer_unit(registry, plan)
    day = date.fromisoformat(plan["date"]) if plan["date"] else None
    texts = [*plan["recipients"], *plan["implementation"]]
    levels: set[str] = set()
    for text in texts:
        levels |= group_levels(text)
    below = LEVELS[LEVELS.index(issuer.level) + 1:]  # its own departments, at its level, answer nothing
    if _ALL_BELOW in levels:
        levels |= set(below)
    units = {name_key(o.name): o for o in registry.children(issuer, levels, day)}
    folded = " | ".join(_fold(t) for t in texts)
    for org in registry.descendants(issuer):
        if org.level in below and (day is None or org.valid_on(day)) and _named(folded, org):
            units.setdefault(name_key(org.name), org)
    return sorted(units.values(), key=lambda o: name_key(o.name))


def deadlines(registry: OrgRegistry, plan: dict[str, Any]) -> tuple[dict[str, date], dict[str, date]]:
    """Deadlines the plan's tasks set: by registry level, and by unit (name key) for named units."""
    by_level: dict[str, date] = {}
    by_unit: dict[str, date] = {}
    for task in plan["tasks"]:
        if not task["deadline"]:
            continue
        day = date.fromisoformat(task["deadline"][:10])
        for unit in task["responsible"]:
            org = registry.find(unit)
            if org is not None:  # a unit by name, not a group
                by_unit[name_key(org.name)] = min(day, by_unit.get(name_key(org.name), day))
                continue
            for level in group_levels(unit):
                by_level[level] = min(day, by_level.get(level, day))
    return by_level, by_unit


def status(store: Store, base: str, iri: str, registry: OrgRegistry, as_of: date) -> dict[str, Any]:
    """``kg status --json``: ``{"document", "as_of", "deadline", "units": [{"unit", "status", "documents",
    "deadline"}]}``; see the module docstring for the rules."""
    plan = plan_facts(store, base, iri)
    expected = expected_units(registry, plan)
    by_level, by_unit = deadlines(registry, plan)

    def deadline_of(org: Organization) -> date | None:
        return by_unit.get(name_key(org.name)) or by_level.get(org.level) or by_level.get(_ALL_BELOW)

    # Units at as_of: each expected unit, or what it became; a successor covers its predecessors.
    current: dict[str, tuple[Organization, list[Organization]]] = {}
    for org in expected:
        for unit in registry.successors_on(org, as_of):
            current.setdefault(name_key(unit.name), (unit, []))[1].append(org)
    answers = [d for d in issued_documents(store, base, based_on=plan_iris(iri))
               if d["date"] is None or date.fromisoformat(d["date"][:10]) <= as_of]
    rows = []
    for unit, replaced in current.values():
        lineage = _unique([*registry.lineage(unit), *replaced])
        docs = documents_of(registry, lineage, answers)
        due = min((d for d in map(deadline_of, [*replaced, unit]) if d), default=None)
        rows.append({"unit": unit.name, "status": _status(docs, due, as_of), "documents": [d["key"] for d in docs],
                     "deadline": due.isoformat() if due else None})
    rows.sort(key=lambda r: name_key(r["unit"]))
    dues = sorted({r["deadline"] for r in rows if r["deadline"]})
    return {"document": plan["key"], "as_of": as_of.isoformat(), "deadline": dues[0] if dues else None,
            "units": rows}


def plan_iris(iri: str) -> list[str]:
    """The plan and its undated twin: a report citing "Kế hoạch số 131-KH/ThU" with no date and read
    before the plan was ingested points to ``.../unknown/131-kh-thu``, the same number of the same issuer.

    >>> plan_iris("https://w3id.org/vnkg/doc/thanh-uy-lai-chau/2023/131-kh-thu")[1]
    'https://w3id.org/vnkg/doc/thanh-uy-lai-chau/unknown/131-kh-thu'
    """
    twin = re.sub(r"/\d{4}/([^/]+)$", r"/unknown/\1", iri)
    return [iri] if twin == iri else [iri, twin]


def _unique(orgs: Iterable[Organization]) -> list[Organization]:
    return list({name_key(o.name): o for o in orgs}.values())


def _status(docs: list[dict[str, Any]], due: date | None, as_of: date) -> str:
    if docs:
        dated = [date.fromisoformat(d["date"][:10]) for d in docs if d["date"]]
        first = min(dated) if len(dated) == len(docs) else None  # an undated answer counts as on time
        return LATE if due and first and first > due else ANSWERED
    return OVERDUE if due and as_of > due else PENDING


def summary(result: dict[str, Any]) -> str:
    """The line offices write: "3/6 đơn vị đã gửi (1 gửi muộn, 2 quá hạn)"."""
    counts = {s: sum(1 for u in result["units"] if u["status"] == s) for s in STATUS_LABELS}
    sent = counts[ANSWERED] + counts[LATE]
    return (f"{sent}/{len(result['units'])} đơn vị đã gửi ({counts[LATE]} gửi muộn, {counts[OVERDUE]} quá hạn, "
            f"{counts[PENDING]} chưa gửi, chưa quá hạn)")


@dataclass(frozen=True)
class Report:
    """Everything a status page or file shows: the status, the plan's facts, and the answers' dates."""

    result: dict[str, Any]
    plan: dict[str, Any]
    answer_dates: dict[str, str | None]


def report(store: Store, base: str, iri: str, registry: OrgRegistry, as_of: date, *,
           with_tasks: bool = False) -> Report:
    """The status of the plan ``iri`` at ``as_of`` (with the units' tasks when ``with_tasks``)."""
    result = status(store, base, iri, registry, as_of)
    if with_tasks:
        result["tasks"] = unit_tasks(store, base, iri, registry)
    return Report(result, plan_facts(store, base, iri), answer_dates(store, base, iri))


def answer_dates(store: Store, base: str, iri: str) -> dict[str, str | None]:
    """Key → date of every document based on the plan (the workbook's "Ngày gửi")."""
    return {d["key"]: d["date"] for d in issued_documents(store, base, based_on=plan_iris(iri))}


def unit_tasks(store: Store, base: str, iri: str, registry: OrgRegistry) -> list[dict[str, Any]]:
    """Per unit, the plan's tasks it leads ("chủ trì") or supports ("phối hợp"), with their deadlines.

    Unit phrases are completed with the issuer's place ("Ban Tuyên giáo Thành ủy" in a Thành ủy Lai Châu
    plan → "Ban Tuyên giáo Thành ủy Lai Châu") and linked to the registry where they match; ``"org"`` is
    the registry name, else ``None``. Units that lead something come first.
    """
    plan = plan_facts(store, base, iri)
    issuer = next((committee_name(n) for n in plan["issuer_names"]), None)
    context = Context(org=issuer)
    units: dict[str, dict[str, Any]] = {}
    for task in plan["tasks"]:
        for role, phrases in (("lead", task["responsible"]), ("partner", task["partners"])):
            for phrase in phrases:
                org = registry.find(phrase) or registry.find(context.resolve_phrase(phrase))
                name = org.name if org else phrase
                entry = units.setdefault(name_key(name), {"unit": name, "org": org.name if org else None,
                                                          "tasks": []})
                entry["tasks"].append({"text": task["text"], "deadline": task["deadline"], "role": role})
    return sorted(units.values(), key=lambda u: (all(t["role"] != "lead" for t in u["tasks"]), name_key(u["unit"])))
