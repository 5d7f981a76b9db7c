"""Extracted document (SPEC section 3) → RDF quads. Pure: no store, no I/O.

Everything a file says goes into that file's named graph: the document itself, its
provisions and tasks, its committee and the committee's parent, and whatever its citations
say about the documents it cites (cited-only documents are nodes too). IRIs come from
:mod:`kg.identity`, so a document cited here and the same document ingested from its own
file get one IRI and merge.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from kg.document import ExtractedDocument
from kg.identity import TYPE_NAMES, TYPE_WORDS, document_iri, issuer_slug, org_iri, parse_number, split_key
from kg.orgnames import TOP_ORG, committee_inside, committee_name, org_level
from kg.text import fold, slugify
from kg.vocab import DCTERMS, ELI, FOAF, ORG, PROV, RDF, SKOS, XSD, project

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")

RELATION_PROPERTIES = {"implements": "implements", "implements_partly": "implementsPartly"}


class _Builder:
    """Collects the quads of one named graph."""

    def __init__(self, base: str, graph: NamedNode) -> None:
        self.base = base
        self.p = project(base)
        self.graph = graph
        self.quads: dict[Quad, None] = {}  # ordered set: no duplicate quads
        self.org_levels: dict[str, str | None] = {}

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal | None) -> None:
        if o is not None:
            self.quads[Quad(s, p, o, self.graph)] = None

    def text(self, s: NamedNode, p: NamedNode, value: str | None, lang: str | None = None) -> None:
        if value:
            self.add(s, p, Literal(value, language=lang) if lang else Literal(value))

    def date(self, s: NamedNode, p: NamedNode, value: str | None) -> None:
        if value and _DATE.match(value):
            self.add(s, p, Literal(value, datatype=XSD.date))

    def org(self, name: str | None, parent: str | None = None) -> NamedNode | None:
        """The committee node for ``name`` with its label, level and parent."""
        if not name:
            return None
        name = committee_name(name)
        node = NamedNode(org_iri(self.base, name))
        level = org_level(name)
        self.add(node, RDF.type, ORG.FormalOrganization)
        self.text(node, SKOS.prefLabel, name, "vi")
        self.text(node, self.p.ns.level, level)
        parent = parent or committee_inside(name)
        if parent is None and level in ("central", "province") and name != TOP_ORG:
            parent = TOP_ORG
        if parent and committee_name(parent) != name:
            self.add(node, ORG.subOrganizationOf, self.org(parent))
        self.org_levels[name] = level
        return node

    def doc_type(self, name: str | None, code: str | None) -> NamedNode | None:
        """The SKOS concept of a document type, from its name or, failing that, its code."""
        name = name or (TYPE_NAMES.get(code) if code else None)
        if not name or fold(name) not in {fold(n) for n in [*TYPE_NAMES.values(), *TYPE_WORDS]}:
            return None
        return self.p.types[slugify(name)]


def doc_type_names() -> dict[str, str]:
    """Concept slug → type name (``ke-hoach`` → ``Kế hoạch``)."""
    names = [*TYPE_NAMES.values(), *(w[:1].upper() + w[1:] for w in TYPE_WORDS)]
    return {slugify(n): n for n in names}


def _deadline(b: _Builder, task: NamedNode, value: str | None) -> None:
    """The deadline as written (date, month or quarter) and its last day, for range queries."""
    if not value:
        return
    end: str | None = None
    if _DATE.match(value):
        b.add(task, b.p.ns.deadline, Literal(value, datatype=XSD.date))
        end = value
    elif month := _MONTH.match(value):
        year, mon = int(month.group(1)), int(month.group(2))
        b.add(task, b.p.ns.deadline, Literal(value, datatype=XSD.gYearMonth))
        if 1 <= mon <= 12:
            end = f"{year:04d}-{mon:02d}-{calendar.monthrange(year, mon)[1]:02d}"
    elif quarter := _QUARTER.match(value):
        year, q = int(quarter.group(1)), int(quarter.group(2))
        b.add(task, b.p.ns.deadline, Literal(value))
        end = f"{year:04d}-{q * 3:02d}-{calendar.monthrange(year, q * 3)[1]:02d}"
    else:
        b.add(task, b.p.ns.deadline, Literal(value))
    b.date(task, b.p.ns.deadlineEnd, end)


def _iri_resolver(base: str, doc: ExtractedDocument) -> Mapping[str, NamedNode]:
    """Key → IRI for the document and everything it cites (local ones scoped by committee)."""
    iris: dict[str, NamedNode] = {}
    for ref in doc.get("references", []):
        number = ref.get("number") or split_key(ref["key"])[0]
        slug = issuer_slug(number, ref.get("issuer_org"))
        iris[ref["key"]] = NamedNode(document_iri(base, ref["key"], slug))
    slug = issuer_slug(doc.get("number"), (doc.get("issuer") or {}).get("org"))
    iris[doc["key"]] = NamedNode(document_iri(base, doc["key"], slug))
    return iris


def subject_iri(base: str, doc: ExtractedDocument) -> NamedNode:
    """The IRI of the extracted document itself."""
    return _iri_resolver(base, doc)[doc["key"]]


def key_iri(base: str, key: str, iris: Mapping[str, NamedNode]) -> NamedNode:
    """The IRI of ``key``: from the document's references, else from the number's own code."""
    if key in iris:
        return iris[key]
    number, _ = split_key(key)
    return NamedNode(document_iri(base, key, issuer_slug(number, None)))


def document_quads(base: str, doc: ExtractedDocument, graph: NamedNode) -> list[Quad]:
    """All quads of one extracted document, in ``graph`` (without provenance)."""
    b = _Builder(base, graph)
    ns = b.p.ns
    iris = _iri_resolver(base, doc)
    me = iris[doc["key"]]
    issuer = doc.get("issuer") or {}

    # Parent committee: the header's parent line, else the committee one level up that the
    # basis clause names ("Thực hiện Kế hoạch ... của Tỉnh ủy Lai Châu").
    parent = issuer.get("parent")
    if not parent and issuer.get("org"):
        parent = _basis_parent(doc, org_level(committee_name(issuer["org"])))
    org = b.org(issuer.get("org"), parent)

    b.add(me, RDF.type, ELI.LegalResource)
    b.text(me, ns.key, doc["key"])
    b.text(me, ELI.number, doc.get("number"))
    b.add(me, ELI.type_document, b.doc_type(doc.get("doc_type"), doc.get("doc_type_code")))
    b.date(me, ELI.date_document, doc.get("date"))
    b.text(me, ELI.title, doc.get("title"), "vi")
    b.add(me, ELI.passed_by, org)
    b.text(me, ns.issuerName, issuer.get("name") or issuer.get("org"))
    b.text(me, ns.place, doc.get("place"))
    signer = doc.get("signer") or {}
    b.text(me, ns.signerName, signer.get("name"))
    b.text(me, ns.signerRole, signer.get("role"))
    b.text(me, ns.signedOnBehalfOf, signer.get("on_behalf_of"))
    for recipient in doc.get("recipients", []):
        b.text(me, ns.recipient, recipient)
    for warning in doc.get("warnings", []):
        b.text(me, ns.warning, warning)

    for ref in doc.get("references", []):
        _cited(b, iris[ref["key"]], ref)
        if ref["key"] != doc["key"]:
            b.add(me, ELI.cites, iris[ref["key"]])
    for key in doc.get("based_on", []):
        b.add(me, ELI.based_on, key_iri(base, key, iris))
    for relation, keys in (("implements", doc.get("implements", [])),
                           ("implements_partly", doc.get("implements_partly", []))):
        for key in keys:
            b.add(me, ns[RELATION_PROPERTIES[relation]], key_iri(base, key, iris))
    for rel in doc.get("relations_between_references", []):
        prop = _relation_property(b, rel.get("relation", ""))
        b.add(key_iri(base, rel["from"], iris), prop, key_iri(base, rel["to"], iris))

    provisions: dict[str, NamedNode] = {}
    for i, provision in enumerate(doc.get("provisions", []), 1):
        slug = slugify(provision.get("id") or "") or str(i)
        node = NamedNode(f"{me.value}/p/{slug}")
        if node in provisions.values():
            node = NamedNode(f"{me.value}/p/{slug}-{i}")
        provisions.setdefault(provision.get("id") or str(i), node)
        b.add(node, RDF.type, ELI.LegalResourceSubdivision)
        b.add(me, ELI.has_part, node)
        b.add(node, ELI.is_part_of, me)
        b.text(node, DCTERMS.identifier, provision.get("id"))
        b.text(node, ns.provisionPath, " › ".join(provision.get("path") or []))
        b.text(node, ns.text, provision.get("text"), "vi")
    for i, task in enumerate(doc.get("tasks", []), 1):
        node = NamedNode(f"{me.value}/task/{i}")
        b.add(node, RDF.type, ns.Task)
        b.add(me, ns.hasTask, node)
        b.text(node, ns.text, task.get("text"), "vi")
        b.add(node, ns.inProvision, provisions.get(task.get("provision") or ""))
        for unit in task.get("responsible", []):
            b.text(node, ns.responsibleUnit, unit)
        for unit in task.get("partners", []):
            b.text(node, ns.partnerUnit, unit)
        _deadline(b, node, task.get("deadline"))
    return list(b.quads)


def _relation_property(b: _Builder, relation: str) -> NamedNode:
    if relation in RELATION_PROPERTIES:
        return b.p.ns[RELATION_PROPERTIES[relation]]
    return ELI.based_on if relation == "based_on" else ELI.cites


def _basis_parent(doc: ExtractedDocument, level: str | None) -> str | None:
    """The one committee one level up among the issuers of the documents this one is based on."""
    above = {"district": "province", "commune": "district"}.get(level or "")
    based = set(doc.get("based_on", []))
    orgs = {committee_name(r["issuer_org"]) for r in doc.get("references", [])
            if r["key"] in based and r.get("issuer_org")}
    found = {o for o in orgs if org_level(o) == above and not committee_inside(o)}
    return found.pop() if len(found) == 1 else None


def _cited(b: _Builder, node: NamedNode, ref: Mapping[str, Any]) -> None:
    """What a citation says about the cited document."""
    ns = b.p.ns
    number = ref.get("number")
    b.add(node, RDF.type, ELI.LegalResource)
    b.text(node, ns.key, ref["key"])
    b.text(node, ELI.number, number)
    code = None
    if number:
        parsed = parse_number(number)
        code = parsed.type_code if parsed else None
    b.add(node, ELI.type_document, b.doc_type(ref.get("doc_type"), code))
    b.date(node, ELI.date_document, ref.get("date"))
    b.text(node, ELI.title, ref.get("title"), "vi")
    committee = ref.get("issuer_org") or ref.get("issuer")
    b.add(node, ELI.passed_by, b.org(committee))
    b.text(node, ns.issuerName, ref.get("issuer") or ref.get("issuer_org"))


def provenance_quads(base: str, graph: NamedNode, doc_iri: NamedNode, *, path: str, sha256: str,
                     file_format: str | None, generated_at: str, extractor_version: str) -> list[Quad]:
    """The provenance of one file's graph, written in that graph (its completion record)."""
    ns = project(base).ns
    agent = project(base).extractor[f"vnkg-extractor-{slugify(extractor_version)}"]
    triples = [
        (graph, RDF.type, PROV.Entity),
        (graph, FOAF.primaryTopic, doc_iri),
        (graph, ns.sourcePath, Literal(path)),
        (graph, ns.sha256, Literal(sha256)),
        (graph, PROV.generatedAtTime, Literal(generated_at, datatype=XSD.dateTime)),
        (graph, PROV.wasAttributedTo, agent),
        (agent, RDF.type, PROV.SoftwareAgent),
        (agent, ns.extractorVersion, Literal(extractor_version)),
    ]
    if file_format:
        triples.append((graph, DCTERMS["format"], Literal(file_format)))
    return [Quad(s, p, o, graph) for s, p, o in triples]


def registry_quads(base: str, entries: Iterable[Mapping[str, Any]], graph: NamedNode) -> list[Quad]:
    """Quads for the registry of central documents (plain dicts: number, date, issuer, doc_type,
    title, implements)."""
    b = _Builder(base, graph)
    for entry in entries:
        key = f"{entry['number']}@{entry['date'][:4]}"
        node = key_iri(base, key, {})
        _cited(b, node, {"key": key, **entry})
        for target in entry.get("implements", ()):
            b.add(node, b.p.ns.implements, key_iri(base, target, {}))
    return list(b.quads)
