"""The registry of organizations an office keeps: its units, their levels, parents and the 2025 mergers.

Read from a CSV file (``name,level,parent,aliases,valid_from,valid_to,successors``) or from Turtle
with W3C ORG terms, checked as a whole (a file with one bad row imports nothing), and stored in its
own named graph (``<base>graph/organizations``) with the ORG vocabulary:

- each unit is an ``org:FormalOrganization`` (same IRI as the committee documents name, so the two
  merge) with ``skos:prefLabel`` / ``skos:altLabel``, ``org:classification`` (its level, a SKOS
  concept), ``org:subOrganizationOf``, and its validity as ``prov:generatedAtTime`` (start of
  ``valid_from``) and ``prov:invalidatedAtTime`` (end of ``valid_to``);
- each succession is an ``org:ChangeEvent`` with ``org:originalOrganization`` /
  ``org:resultingOrganization``, linked by ``org:changedBy`` and ``org:resultedFrom``.

Dates are inclusive: a ward merged on 1 July 2025 has ``valid_to`` 2025-06-30 and its successor
``valid_from`` 2025-07-01.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

from kg.errors import KgError
from kg.identity import org_iri
from kg.orgnames import committee_name, name_key
from kg.store import replace_graph, select
from kg.text import slugify
from kg.vocab import ORG, PROV, RDF, SKOS, XSD, project

if TYPE_CHECKING:  # networkx is imported where used, so `kg --help` stays light
    import networkx as nx

LEVELS = ("trung-uong", "tinh", "huyen", "co-so", "chi-bo")
LEVEL_LABELS = {"trung-uong": "Trung ương", "tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "co-so": "Cơ sở",
                "chi-bo": "Chi bộ"}
# The hierarchy picture's bands (vnkg:level of committees named by documents).
CASCADE_LEVELS = {"trung-uong": "central", "tinh": "province", "huyen": "district", "co-so": "commune",
                  "chi-bo": "commune"}
COLUMNS = ("name", "level", "parent", "aliases", "valid_from", "valid_to", "successors")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RegistryError(KgError):
    """A registry file that cannot be imported: the file, the line (when known) and why."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        where = f"{path}, dòng {line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.message = str(path), line, message


@dataclass(frozen=True)
class Organization:
    """One unit of the registry; ``line`` is where the file defines it (0 when read from the store)."""

    name: str
    level: str
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    successors: tuple[str, ...] = ()
    line: int = field(default=0, compare=False)

    def valid_on(self, day: date) -> bool:
        """Whether the unit exists on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def names(self) -> tuple[str, ...]:
        """Its name and aliases."""
        return (self.name, *self.aliases)

    def as_dict(self) -> dict[str, object]:
        """JSON-shaped: the CSV columns, lists for aliases and successors, ISO dates."""
        return {"name": self.name, "level": self.level, "parent": self.parent, "aliases": list(self.aliases),
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_to": self.valid_to.isoformat() if self.valid_to else None,
                "successors": list(self.successors)}


def parse_day(value: str) -> date:
    """A ``YYYY-MM-DD`` date; ``ValueError`` with a Vietnamese message otherwise."""
    value = value.strip()
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"ngày “{value}” không hợp lệ (cần dạng YYYY-MM-DD)") from None


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(p.split()) for p in (cell or "").split(";") if p.strip()))


# ---------------------------------------------------------------- reading files


def read_csv(path: Path | str) -> list[Organization]:
    """Rows of a registry CSV (UTF-8, header row), each checked; :class:`RegistryError` on the first bad one."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise RegistryError(path, f"thiếu cột {', '.join(missing)} (cần: {','.join(COLUMNS)})", 1)
            reader.fieldnames = header
            orgs = [_row(path, reader.line_num, row) for row in reader]
    except OSError as err:
        raise RegistryError(path, f"không đọc được tệp ({err.strerror})") from None
    except UnicodeDecodeError:
        raise RegistryError(path, "tệp không phải văn bản UTF-8") from None
    except csv.Error as err:
        raise RegistryError(path, f"CSV sai định dạng ({err})") from None
    if not orgs:
        raise RegistryError(path, "tệp không có dòng tổ chức nào")
    return orgs


def _row(path: Path | str, line: int, row: dict[str, str | None]) -> Organization:
    cells = {c: " ".join((row.get(c) or "").split()) for c in COLUMNS}
    if None in row:
        raise RegistryError(path, "dòng có nhiều ô hơn tiêu đề", line)
    if not cells["name"]:
        raise RegistryError(path, "thiếu tên tổ chức (cột name)", line)
    if cells["level"] not in LEVELS:
        raise RegistryError(path, f"cấp “{cells['level']}” không hợp lệ (dùng: {', '.join(LEVELS)})", line)
    try:
        start = parse_day(cells["valid_from"]) if cells["valid_from"] else None
        end = parse_day(cells["valid_to"]) if cells["valid_to"] else None
    except ValueError as err:
        raise RegistryError(path, str(err), line) from None
    if start and end and end < start:
        raise RegistryError(path, f"valid_to {end} trước valid_from {start}", line)
    return Organization(cells["name"], cells["level"], cells["parent"] or None, _split(row.get("aliases")),
                        start, end, _split(row.get("successors")), line)


def read_turtle(path: Path | str) -> list[Organization]:
    """A registry written as Turtle with ORG terms (the shape :func:`registry_quads` writes)."""
    try:
        triples = list(parse(path=str(path), format=RdfFormat.TURTLE))
    except (OSError, SyntaxError, ValueError) as err:
        raise RegistryError(path, f"Turtle không đọc được ({err})") from None
    orgs = _from_triples(triples, path)
    if not orgs:
        raise RegistryError(path, "không có tổ chức nào (org:Organization / org:FormalOrganization)")
    return orgs


def read_registry(path: Path | str) -> list[Organization]:
    """Read and check a registry file: ``.ttl`` as Turtle, anything else as CSV."""
    orgs = read_turtle(path) if Path(path).suffix.lower() in (".ttl", ".turtle") else read_csv(path)
    check(orgs, path)
    return orgs


def _from_triples(triples: Iterable[object], path: Path | str) -> list[Organization]:
    """Organizations out of ORG triples (from a Turtle file or the stored graph)."""
    facts: dict[object, dict[str, list[object]]] = {}
    events: dict[object, dict[str, list[object]]] = {}
    typed: set[object] = set()
    props = {SKOS.prefLabel: "label", SKOS.altLabel: "alias", ORG.subOrganizationOf: "parent",
             ORG.classification: "level", PROV.generatedAtTime: "from", PROV.invalidatedAtTime: "to"}
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object  # type: ignore[attr-defined]
        if p == RDF.type and o in (ORG.Organization, ORG.FormalOrganization, ORG.OrganizationalUnit):
            typed.add(s)
        elif p in props:
            facts.setdefault(s, {}).setdefault(props[p], []).append(o)
        elif p in (ORG.originalOrganization, ORG.resultingOrganization):
            events.setdefault(s, {}).setdefault(p.value, []).append(o)
    orgs_nodes = {s for s in typed if "label" in facts.get(s, {})}
    names = {s: min(str(v.value) for v in facts[s]["label"]) for s in orgs_nodes}
    successors: dict[object, list[str]] = {}
    for e in events.values():
        for original in e.get(ORG.originalOrganization.value, []):
            for result in e.get(ORG.resultingOrganization.value, []):
                if result not in names:
                    raise RegistryError(path, f"tổ chức kế thừa {result} không có trong danh mục")
                successors.setdefault(original, []).append(names[result])
    out = []
    for s in sorted(orgs_nodes, key=lambda n: names[n]):
        f = facts[s]
        level = next((str(v.value).rsplit("/", 1)[-1] for v in f.get("level", [])), "")
        if level not in LEVELS:
            raise RegistryError(path, f"“{names[s]}”: cấp “{level}” không hợp lệ (dùng: {', '.join(LEVELS)})")
        parents = [names.get(v, str(getattr(v, "value", v))) for v in f.get("parent", [])]
        try:
            start = min((parse_day(str(v.value)[:10]) for v in f.get("from", [])), default=None)
            end = max((parse_day(str(v.value)[:10]) for v in f.get("to", [])), default=None)
        except ValueError as err:
            raise RegistryError(path, f"“{names[s]}”: {err}") from None
        aliases = tuple(sorted({str(v.value) for v in f.get("alias", [])} - {names[s]}))
        out.append(Organization(names[s], level, min(parents) if parents else None, aliases, start, end,
                                tuple(sorted(set(successors.get(s, [])))), 0))
    return out


# ---------------------------------------------------------------- checking


def check(orgs: list[Organization], path: Path | str) -> None:
    """Check the registry as a whole; :class:`RegistryError` naming the line of the first problem.

    Names and aliases are unique, parents and successors exist, parents form no cycle, nor do
    successions, and a unit is not its own successor.
    """
    by_key: dict[str, Organization] = {}
    for org in orgs:
        for name in org.names:
            other = by_key.get(name_key(name))
            if other is not None and other is not org:
                raise RegistryError(path, f"tên “{name}” đã dùng cho “{other.name}” (dòng {other.line})", org.line)
            by_key[name_key(name)] = org
    for org in orgs:
        if org.parent and name_key(org.parent) not in by_key:
            raise RegistryError(path, f"tổ chức cấp trên “{org.parent}” của “{org.name}” không có trong danh mục",
                                org.line)
        for succ in org.successors:
            if name_key(succ) not in by_key:
                raise RegistryError(path, f"tổ chức kế thừa “{succ}” của “{org.name}” không có trong danh mục",
                                    org.line)
            if by_key[name_key(succ)] is org:
                raise RegistryError(path, f"“{org.name}” không thể kế thừa chính nó", org.line)
    import networkx as nx  # only here: modules importing this one stay light (`kg --help`)

    for label, step in (("cấp trên", lambda o: [o.parent] if o.parent else []),
                        ("kế thừa", lambda o: list(o.successors))):
        graph = nx.DiGraph((name_key(o.name), name_key(n)) for o in orgs for n in step(o))
        try:
            cycle = [by_key[a] for a, _ in nx.find_cycle(graph)]
        except nx.NetworkXNoCycle:
            continue
        names = " → ".join(o.name for o in [*cycle, cycle[0]])
        raise RegistryError(path, f"quan hệ {label} tạo thành vòng lặp: {names}", min(o.line for o in cycle))


# ---------------------------------------------------------------- the graph


def registry_graph(base: str) -> NamedNode:
    """The named graph holding the registry of organizations."""
    return NamedNode(base + "graph/organizations")


def level_concept(base: str, level: str) -> NamedNode:
    """The SKOS concept of a registry level (``<base>org-level/co-so``)."""
    return NamedNode(f"{base}org-level/{level}")


def _instant(day: date, end_of_day: bool) -> Literal:
    return Literal(f"{day.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}", datatype=XSD.dateTime)


def registry_quads(base: str, orgs: Iterable[Organization]) -> list[Quad]:
    """The registry as ORG quads in :func:`registry_graph`."""
    graph = registry_graph(base)
    node = {name_key(o.name): NamedNode(org_iri(base, o.name)) for o in orgs}
    level_ns = project(base).ns.level
    triples: list[tuple[object, NamedNode, object]] = []
    for level in LEVELS:
        concept = level_concept(base, level)
        triples += [(concept, RDF.type, SKOS.Concept), (concept, SKOS.prefLabel, Literal(LEVEL_LABELS[level], language="vi")),
                    (concept, SKOS.notation, Literal(level))]
    for org in orgs:
        me = node[name_key(org.name)]
        triples += [(me, RDF.type, ORG.FormalOrganization), (me, SKOS.prefLabel, Literal(org.name, language="vi")),
                    (me, ORG.classification, level_concept(base, org.level)),
                    (me, level_ns, Literal(CASCADE_LEVELS[org.level]))]
        triples += [(me, SKOS.altLabel, Literal(a, language="vi")) for a in org.aliases]
        if org.parent:
            triples.append((me, ORG.subOrganizationOf, node[name_key(org.parent)]))
        if org.valid_from:
            triples.append((me, PROV.generatedAtTime, _instant(org.valid_from, False)))
        if org.valid_to:
            triples.append((me, PROV.invalidatedAtTime, _instant(org.valid_to, True)))
        if org.successors:
            event = NamedNode(f"{base}org-change/{slugify(org.name)}")
            triples += [(event, RDF.type, ORG.ChangeEvent), (event, ORG.originalOrganization, me),
                        (me, ORG.changedBy, event)]
            if org.valid_to:
                triples.append((event, PROV.endedAtTime, _instant(org.valid_to, True)))
            for succ in org.successors:
                triples += [(event, ORG.resultingOrganization, node[name_key(succ)]),
                            (node[name_key(succ)], ORG.resultedFrom, event)]
    return [Quad(s, p, o, graph) for s, p, o in dict.fromkeys(triples)]  # type: ignore[arg-type]


def import_registry(store: Store, base: str, orgs: list[Organization]) -> None:
    """Replace the stored registry by ``orgs`` in one transaction (re-importing a file changes nothing)."""
    replace_graph(store, registry_graph(base), registry_quads(base, orgs))


def stored_organizations(store: Store, base: str) -> list[Organization]:
    """The registry as last imported (empty when none was)."""
    graph = registry_graph(base)
    return _from_triples((q.triple for q in store.quads_for_pattern(None, None, None, graph)), graph.value)


# ---------------------------------------------------------------- looking things up


class OrgRegistry:
    """Lookups over the registry: by name or alias, children at a date, predecessors and successors."""

    def __init__(self, orgs: Iterable[Organization]) -> None:
        self.orgs = list(orgs)
        self._by_key = {name_key(n): o for o in self.orgs for n in o.names}
        # Also by the committee a registry name stands for ("Đảng bộ phường X" → "Đảng ủy phường X").
        self._by_committee: dict[str, Organization] = {}
        for org in self.orgs:
            for n in org.names:
                self._by_committee.setdefault(name_key(committee_name(n)), org)
        self._preds: dict[str, list[Organization]] = {}
        for org in self.orgs:
            for succ in org.successors:
                self._preds.setdefault(name_key(succ), []).append(org)

    def __bool__(self) -> bool:
        return bool(self.orgs)

    def find(self, name: str | None) -> Organization | None:
        """The unit a name, an alias or an issuer phrase ("Ban Thường vụ Đảng ủy phường X") stands for.

        >>> registry = OrgRegistry([Organization("Đảng bộ phường Tân Phong", "co-so")])
        >>> registry.find("Ban Thường vụ Đảng ủy phường Tân Phong").name, registry.find("dang bo phuong tan phong").name
        ('Đảng bộ phường Tân Phong', 'Đảng bộ phường Tân Phong')
        """
        if not name:
            return None
        keys = (name_key(name), name_key(committee_name(name)))
        return next((found for table in (self._by_key, self._by_committee) for key in keys
                     if (found := table.get(key)) is not None), None)

    def get(self, name: str) -> Organization:
        """Like :meth:`find`, for names known to be in the registry."""
        found = self.find(name)
        if found is None:
            raise KeyError(name)
        return found

    def children(self, parent: Organization, levels: Iterable[str], day: date | None) -> list[Organization]:
        """Units directly under ``parent`` at one of ``levels``, existing on ``day`` (any day when ``None``)."""
        wanted = set(levels)
        return [o for o in self.orgs if o.parent and self.find(o.parent) is parent and o.level in wanted
                and (day is None or o.valid_on(day))]

    def descendants(self, parent: Organization) -> Iterator[Organization]:
        """Every unit below ``parent``."""
        for org in self.orgs:
            up, seen = org, set()
            while up.parent and name_key(up.name) not in seen:
                seen.add(name_key(up.name))
                up = self.get(up.parent)
                if up is parent:
                    yield org
                    break

    def predecessors(self, org: Organization) -> list[Organization]:
        """Direct predecessors (the units whose successor ``org`` is)."""
        return list(self._preds.get(name_key(org.name), []))

    def lineage(self, org: Organization) -> list[Organization]:
        """``org`` and all its predecessors, transitively (nearest first)."""
        out, queue = [org], [org]
        while queue:
            for pred in self.predecessors(queue.pop(0)):
                if pred not in out:
                    out.append(pred)
                    queue.append(pred)
        return out

    def successors_on(self, org: Organization, day: date) -> list[Organization]:
        """The units that carry ``org`` on at ``day``: itself if it exists then, else its successors' (transitively)."""
        if org.valid_on(day) or (org.valid_from and day < org.valid_from):
            return [org]
        out: list[Organization] = []
        seen = {name_key(org.name)}
        queue = [self.get(s) for s in org.successors]
        while queue:
            succ = queue.pop(0)
            if name_key(succ.name) in seen:
                continue
            seen.add(name_key(succ.name))
            if succ.valid_on(day):
                out.append(succ)
            else:
                queue += [self.get(s) for s in succ.successors]
        return out or [org]  # dissolved without successor: it stays, with what it sent


def lineage_names(registry: OrgRegistry, text: str) -> tuple[str, ...]:
    """What an issuer filter should match: for a registry unit, the names and aliases of it and all its
    predecessors ("Đảng ủy phường Tân Đoàn" → also "Đảng ủy phường Tân Phong", ...); else ``text``."""
    org = registry.find(text)
    if org is None:
        return (text,)
    return tuple(dict.fromkeys(n for o in registry.lineage(org) for n in o.names))


def issuer_filter(store: Store, base: str, issuer: str | None) -> str | tuple[str, ...] | None:
    """A search's issuer filter, widened to a registry unit's predecessors (unchanged for other text)."""
    if not issuer:
        return issuer
    names = lineage_names(OrgRegistry(stored_organizations(store, base)), issuer)
    return names if len(names) > 1 else issuer


def unit_picture(store: Store, base: str, graph: nx.DiGraph, text: str,
                 depth: int | None = None) -> tuple[nx.DiGraph, str] | None:
    """The hierarchy picture around the documents of a registry unit and of its predecessors, and its
    caption ("Đảng ủy phường Tân Đoàn (tiền thân: ...)"); ``None`` when ``text`` names no unit.

    ``graph`` is :func:`kg.hierarchy.build_hierarchy`'s; documents are matched by their committee's and
    issuer's names. A unit without documents gives an empty picture.
    """
    registry = OrgRegistry(stored_organizations(store, base))
    org = registry.find(text)
    if org is None:
        return None
    lineage = {name_key(o.name) for o in registry.lineage(org)}
    docs = [n for n, d in graph.nodes(data=True) if d["kind"] == "document"
            and any((found := registry.find(name)) is not None and name_key(found.name) in lineage
                    for name in (d.get("org_label"), d.get("issuer")))]
    before = [o.name for o in registry.lineage(org)[1:]]
    caption = org.name + (f" (tiền thân: {', '.join(before)})" if before else "")
    from kg.hierarchy import focus_many  # networkx: imported where used

    return focus_many(graph, docs, 1 if depth is None else depth), caption


# ---------------------------------------------------------------- documents of a unit


def issued_documents(store: Store, base: str, *, based_on: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Documents with the names of their issuer (committee label and issuer phrase): ``{"iri", "key",
    "date", "title", "names"}``, by date; only those based on one of ``based_on`` (IRIs) when given."""
    basis = ""
    if based_on is not None:
        plans = " ".join(str(NamedNode(iri)) for iri in based_on)  # validated IRIs, never raw text
        basis = f"VALUES ?plan {{ {plans} }} ?d eli:based_on ?plan ."
    rows = select(store, base, f"""SELECT ?d (SAMPLE(?k) AS ?key) (MIN(?dt) AS ?date) (SAMPLE(?t) AS ?title)
        (GROUP_CONCAT(DISTINCT ?n; SEPARATOR="\u001f") AS ?names) WHERE {{
          {basis} ?d vnkg:key ?k .
          {{ ?d eli:passed_by/skos:prefLabel ?n }} UNION {{ ?d vnkg:issuerName ?n }}
          OPTIONAL {{ ?d eli:date_document ?dt }} OPTIONAL {{ ?d eli:title ?t }}
        }} GROUP BY ?d""")
    docs = [{"iri": r["d"].value, "key": r["key"].value, "date": r["date"].value if r["date"] else None,
             "title": r["title"].value if r["title"] else None,
             "names": [n for n in r["names"].value.split("\x1f") if n]} for r in rows]
    return sorted(docs, key=lambda d: (d["date"] or "", d["key"]))


def documents_of(registry: OrgRegistry, units: Iterable[Organization],
                 docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents among ``docs`` whose issuer is one of ``units``, each with ``"org"``: whose it is."""
    wanted = {name_key(u.name): u for u in units}
    out = []
    for doc in docs:
        owners = {registry.find(n) for n in doc["names"]} - {None}
        owner = next((o for o in owners if name_key(o.name) in wanted), None)  # type: ignore[union-attr]
        if owner is not None:
            out.append({**doc, "org": owner.name})
    return out
