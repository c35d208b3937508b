"""A snapshot read in one language: what every renderer (PDF now, pages later) shows; and the
public view of a snapshot, the only thing public renderers are given.

Pure functions over the snapshot dict: texts fall back to the default language where a
translation is missing, codes become their labels in the language (categories, legal bases,
countries, transfer safeguards), retentions are worded with the language's plural forms.
"""

import json
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext
from django_countries import countries

from compliance import branding
from compliance.models import (
    ContactRole,
    LegalBasis,
    MeasureHeading,
    ProcessingFrequency,
    ProcessingRole,
    ProcessorStatus,
    StorageType,
    TrackingCategory,
    TransferSafeguard,
)
from compliance.retention import format_retention
from compliance.sanitize import without_controls

CATEGORY_ORDER = [c for c, _label in TrackingCategory.choices]
# Cookies first, then the storage types in the order of their choices.
TYPE_ORDER = ["cookie"] + [c for c, _label in StorageType.choices]


# --- The public view ---------------------------------------------------------------------------

# What of each register may be public, field by field. A whitelist: a field added to a model
# stays out of every public output until it is named here (tests/test_public_view.py makes
# every snapshot field be named either here or in PRIVATE_FIELDS, so nobody forgets to decide).
PUBLIC_FIELDS = {
    "organisation": {
        "key",
        "legal_name",
        "registration_number",
        "address",
        "country",
        "website",
        "data_location",
        "privacy_by_default",
        "processing_subject_matter",
        "processing_nature",
        "processing_duration",
        "processing_frequency",
        "supervisory_authority",
        "logo",
        "accent_colour",
        "controllers_description",
        "subprocessor_authorisation",
        "subprocessor_notice_days",
        "docking_clause",
    },
    # Only contacts marked published (the rows are dropped whole below).
    "contacts": {"key", "role", "name", "title", "email", "phone", "postal_address", "published"},
    "data_subject_categories": {"key", "slug", "name", "description", "fides_key", "position"},
    "data_categories": {
        "key",
        "slug",
        "name",
        "description",
        "parent",
        "fides_key",
        "special_category",
        "safeguards",
        "source",
        "position",
        "elements",
    },
    "purposes": {
        "key",
        "slug",
        "name",
        "description",
        "fides_key",
        "legal_basis",
        "legitimate_interest",
        "consent_required",
        "retention",
        "position",
        "data_subject_categories",
        "data_categories",
        "role",
        "recipients",
        "provision_requirement",
        "automated_decisions",
    },
    # A sub-processor's contact person is for the DPA's Annex IV, not for the world.
    "processors": {
        "key",
        "name",
        "registration_number",
        "address",
        "country",
        "processing_description",
        "responsibilities",
        "transfer_safeguard",
        "transfer_safeguard_note",
        "parent",
        "status",
        "active_from",
        "active_until",
        "website",
        "dpa_url",
        "privacy_url",
        "data_categories",
        "purposes",
        "locations",
    },
    "cookies": {
        "key",
        "name",
        "provider",
        "domain",
        "category",
        "purpose",
        "description",
        "third_party_access",
        "consent_required",
        "retention_kind",
        "retention_value",
        "retention_unit",
        "retention_note",
        "last_reviewed",
    },
    "technical_measures": {
        "key",
        "slug",
        "heading",
        "description",
        "certification",
        "not_applicable",
        "processor",
        "assists_controller",
        "position",
    },
    "policy_clauses": {"key", "slug", "title", "text", "position"},
}
PUBLIC_FIELDS["storage_items"] = PUBLIC_FIELDS["cookies"] | {"storage_type"}
# Nested rows are public whole: a category's elements (key, slug, name, position) and a
# processor's locations (key, country) hold nothing else.

# Decided not to publish: processors' contact persons, and the register's own working notes
# (a necessity justification is kept for the authorities, CBTF para 26; the review flag is
# bookkeeping).
PRIVATE_FIELDS = {
    "processors": {"contact_name", "contact_title", "contact_email", "contact_phone"},
    "cookies": {"necessity_justification", "retention_needs_review", "category_needs_review"},
    "storage_items": {
        "necessity_justification",
        "retention_needs_review",
        "category_needs_review",
    },
}

# Snapshot entries that are not registers: kept as they are.
SNAPSHOT_HEADER = ("schema_version", "default_language", "languages")


class CleanSnapshot(dict):
    """A snapshot whose texts hold no control characters (public_view()'s output): localize()
    need not walk it again. Renderers treat it as the plain dict it is."""


def public_view(snapshot):
    """What of `snapshot` may be public: published contacts only, whitelisted fields only,
    no control characters. Every public renderer and the static export read only this."""
    if snapshot is None:
        return None
    view = {key: snapshot[key] for key in SNAPSHOT_HEADER if key in snapshot}
    for name, fields in PUBLIC_FIELDS.items():
        value = snapshot.get(name)
        if name == "organisation":
            view[name] = {k: v for k, v in value.items() if k in fields} if value else None
            continue
        rows = value or []
        if name == "contacts":
            rows = [row for row in rows if row.get("published") is True]
        if name == "processors":
            # Planned: not announced yet (subprocessors.py), so not public either.
            rows = [row for row in rows if row.get("status") != "planned"]
        if name == "technical_measures":
            # Nor the measures of a planned one, which would name it.
            planned = {
                tuple(p["key"])
                for p in snapshot.get("processors") or []
                if p.get("status") == "planned"
            }
            rows = [row for row in rows if tuple(row.get("processor") or ()) not in planned]
        view[name] = [{k: v for k, v in row.items() if k in fields} for row in rows]
    return CleanSnapshot(without_controls(view))


# Snapshot versions whose public view public_schema() describes, and the public fields each
# version added (absent from the releases published before it: not required).
PUBLIC_VIEW_VERSIONS = (1, 2, 3, 4, 5)
PUBLIC_FIELDS_ADDED = {
    3: {
        "data_subject_categories": {"fides_key"},
        "data_categories": {"parent", "fides_key"},
        "purposes": {"fides_key"},
    },
    4: {"processors": {"website"}, "organisation": {"logo", "accent_colour"}},
    5: {
        "organisation": {
            "controllers_description",
            "subprocessor_authorisation",
            "subprocessor_notice_days",
            "docking_clause",
        },
        "purposes": {"role", "recipients", "provision_requirement", "automated_decisions"},
        "technical_measures": {"not_applicable", "processor"},
    },
}


def public_schema(schema):
    """The JSON Schema of public_view()'s output, from the snapshot's (snapshot_schema()):
    each register's rows keep only their public fields, all of them still required."""
    schema = json.loads(json.dumps(schema))
    for name, fields in PUBLIC_FIELDS.items():
        definition = schema["properties"][name]
        row = definition["oneOf"][0] if name == "organisation" else definition["items"]
        row["properties"] = {k: v for k, v in row["properties"].items() if k in fields}
        added = set().union(*(v.get(name, set()) for v in PUBLIC_FIELDS_ADDED.values()))
        row["required"] = [k for k in row["required"] if k in fields and k not in added]
    schema["title"] = "GDPR register snapshot, public view"
    # Releases keep the version they were published with: version 2 added a field kept out
    # of the public view, version 3 public fields that older releases do not have.
    schema["properties"]["schema_version"] = {"enum": list(PUBLIC_VIEW_VERSIONS)}
    return schema


# --- One language ---------------------------------------------------------------------------


def text(value, language, default):
    """A translated field's text in `language`, else in the default language, else ''."""
    if isinstance(value, dict):
        return value.get(language) or value.get(default) or ""
    return value or ""


def label(choices, value):
    return str(dict(choices.choices).get(value, value or ""))


def country_name(code):
    return str(countries.name(code)) if code else ""


@dataclass
class Localized:
    """The register in one language, as plain attributes for templates."""

    language: str
    organisation: dict = field(default_factory=dict)
    contacts: list = field(default_factory=list)
    data_subject_categories: list = field(default_factory=list)
    data_categories: list = field(default_factory=list)
    purposes: list = field(default_factory=list)
    processors: list = field(default_factory=list)  # top level, each with "subprocessors"
    # The declaration, [(category label, [items])], worked out on first use: most pages and
    # documents need none of a large register's items (see the tracking_groups property).
    _tracking_source: tuple = field(default=None, repr=False)
    _tracking_groups: list = field(default=None, repr=False)
    measure_groups: list = field(default_factory=list)  # [(heading, [measures])]
    policy_clauses: list = field(default_factory=list)

    @property
    def tracking_groups(self):
        if self._tracking_groups is None:
            snapshot, t = self._tracking_source or ({"cookies": [], "storage_items": []}, None)
            with translation.override(self.language):
                self._tracking_groups = _tracking_groups(snapshot, t, self.language)
        return self._tracking_groups

    @property
    def declaration_tables(self):
        """The declaration as the summary prints it: [(category label, [tables])], one table
        per consent status (exempt first) and type (cookies first), each a dict with
        "consent_required", "type" and "items". What a table's items share is said once in
        its heading instead of in a column repeating it on every row."""
        result = []
        for category, items in self.tracking_groups:
            tables = {}
            for item in items:
                key = (item["consent_required"], TYPE_ORDER.index(item["type_code"]))
                table = tables.setdefault(
                    key,
                    {
                        "consent_required": item["consent_required"],
                        "type": item["type"],
                        "items": [],
                    },
                )
                table["items"].append(item)
            result.append((category, [tables[key] for key in sorted(tables)]))
        return result

    @property
    def special_categories(self):
        return [c for c in self.data_categories if c["special_category"]]

    annex_headings: list = field(default_factory=list)  # every Annex III heading, in order

    @property
    def assistance_measures(self):
        return [m for _heading, measures in self.measure_groups for m in measures if m["assists"]]

    @property
    def dpo(self):
        return [c for c in self.contacts if c["is_dpo"]]

    @property
    def all_processors(self):
        """Every engaged sub-processor, each before its own sub-processors."""
        return list(_each_processor(self.processors))

    @property
    def processor_purposes(self):
        """Purposes processed on customers' behalf (what they put in their own notices)."""
        return [p for p in self.purposes if p["role"] == ProcessingRole.PROCESSOR]

    @property
    def controller_purposes(self):
        """The organisation's own processing: its Art. 13/14 notice and Art. 30(1) record."""
        return [p for p in self.purposes if p["role"] == ProcessingRole.CONTROLLER]


def localize(snapshot, language):
    """The snapshot in `language` (labels, countries and retentions in that language too)."""
    default = snapshot["default_language"]
    if not isinstance(snapshot, CleanSnapshot):
        # A public view was cleaned when it was made (once per release and process); a
        # release's whole snapshot (the PDF documents) is cleaned here.
        snapshot = without_controls(snapshot)

    def t(value):
        return text(value, language, default)

    with translation.override(language):
        result = Localized(language=language)
        org = snapshot.get("organisation") or {}
        result.organisation = {
            "legal_name": org.get("legal_name", ""),
            "registration_number": org.get("registration_number", ""),
            "address": org.get("address", ""),
            "country": country_name(org.get("country")),
            "website": org.get("website", ""),
            "data_location": t(org.get("data_location")),
            "privacy_by_default": t(org.get("privacy_by_default")),
            "subject_matter": t(org.get("processing_subject_matter")),
            "nature": t(org.get("processing_nature")),
            "duration": t(org.get("processing_duration")),
            "frequency": label(ProcessingFrequency, org.get("processing_frequency")),
            "supervisory_authority": t(org.get("supervisory_authority")),
            "controllers_description": t(org.get("controllers_description")),
            # The options of the Clauses; None in releases before schema 5, which did not
            # record them (the documents then say so instead of guessing).
            "authorisation": org.get("subprocessor_authorisation"),
            "notice_days": org.get("subprocessor_notice_days"),
            "docking_clause": org.get("docking_clause"),
            # Served from our own origin (compliance/branding.py); "" when there is none.
            **branding.presented(org),
        }
        result.contacts = [
            {
                "role": label(ContactRole, c["role"]),
                "is_dpo": c["role"] == ContactRole.DPO,
                "name": c["name"],
                "title": t(c["title"]),
                "email": c["email"],
                "phone": c["phone"],
                "postal_address": c["postal_address"],
            }
            for c in snapshot["contacts"]
            if c.get("published")
        ]
        result.data_subject_categories = [
            {"name": t(c["name"]), "description": t(c["description"])}
            for c in snapshot["data_subject_categories"]
        ]
        category_names = {}
        category_sources = {}
        for c in snapshot["data_categories"]:
            category_names[c["slug"]] = t(c["name"])
            category_sources[c["slug"]] = t(c["source"])
            result.data_categories.append(
                {
                    "name": t(c["name"]),
                    "description": t(c["description"]),
                    "elements": [t(e["name"]) for e in c["elements"]],
                    "special_category": c["special_category"],
                    "safeguards": t(c["safeguards"]),
                    "source": t(c["source"]),
                }
            )
        subject_names = {c["slug"]: t(c["name"]) for c in snapshot["data_subject_categories"]}
        purpose_names = {}
        for p in snapshot["purposes"]:
            purpose_names[p["slug"]] = t(p["name"])
            result.purposes.append(
                {
                    "name": t(p["name"]),
                    "description": t(p["description"]),
                    "slug": p["slug"],
                    # Purposes of releases before schema 5 were all described for customers.
                    "role": p.get("role") or ProcessingRole.PROCESSOR,
                    "legal_basis_code": p["legal_basis"],
                    "legal_basis": label(LegalBasis, p["legal_basis"]),
                    "legitimate_interest": t(p["legitimate_interest"]),
                    "consent_required": p["consent_required"],
                    "retention": t(p["retention"]),
                    "data_subjects": [
                        subject_names.get(k[0], k[0]) for k in p["data_subject_categories"]
                    ],
                    "data_categories": [
                        category_names.get(k[0], k[0]) for k in p["data_categories"]
                    ],
                    "sources": [
                        category_sources[k[0]]
                        for k in p["data_categories"]
                        if category_sources.get(k[0])
                    ],
                    "recipients": t(p.get("recipients")),
                    "provision_requirement": t(p.get("provision_requirement")),
                    "automated_decisions": t(p.get("automated_decisions")),
                }
            )
        own_measures, processor_measures = _measures(snapshot["technical_measures"], t)
        result.processors = _processor_tree(
            snapshot["processors"], t, category_names, purpose_names, processor_measures
        )
        engaged = list(_each_processor(result.processors))
        for purpose in result.purposes:
            # Art. 13(1)(e) and (f): the sub-processors that receive the purpose's data.
            purpose["processors"] = [n for n in engaged if purpose["slug"] in n["purpose_keys"]]
        result._tracking_source = (snapshot, t)
        result.annex_headings = [
            {
                "heading": str(heading_label),
                "measures": [m for m in own_measures if m["code"] == heading and m["applies"]],
                "not_applicable": [
                    m for m in own_measures if m["code"] == heading and not m["applies"]
                ],
            }
            for heading, heading_label in MeasureHeading.choices
        ]
        result.measure_groups = [
            (entry["heading"], entry["measures"])
            for entry in result.annex_headings
            if entry["measures"]
        ]
        result.policy_clauses = [
            {"title": t(c["title"]), "text": t(c["text"])} for c in snapshot["policy_clauses"]
        ]
    return result


def _measures(rows, t):
    """The organisation's own measures, and each sub-processor's by its name."""
    own, by_processor = [], {}
    for m in rows:
        measure = {
            "code": m["heading"],
            "heading": label(MeasureHeading, m["heading"]),
            "description": t(m["description"]),
            "certification": m["certification"],
            "assists": m["assists_controller"],
            # Releases before schema 5 had no "not applicable" and no sub-processors' measures.
            "applies": not m.get("not_applicable", False),
        }
        owner = m.get("processor")
        if owner:
            by_processor.setdefault(owner[0], []).append(measure)
        else:
            own.append(measure)
    return own, by_processor


def _each_processor(nodes):
    for node in nodes:
        yield node
        yield from _each_processor(node["subprocessors"])


def web_address(value):
    """`value` when it is an http(s) address, else "": a page links to nothing else."""
    value = value or ""
    return value if value.lower().startswith(("https://", "http://")) else ""


def _processor_tree(rows, t, category_names, purpose_names, measures=None):
    # Rows from subprocessors.restricted() carry their state on the output's date (a retired
    # one may still be leaving); others are taken as the register says.
    engaged = [r for r in rows if r.get("lifecycle") or r["status"] != ProcessorStatus.RETIRED]
    names = {r["name"] for r in engaged}
    nodes = {}
    for r in engaged:
        nodes[r["name"]] = {
            "name": r["name"],
            "registration_number": r["registration_number"],
            "address": r["address"],
            "country": country_name(r["country"]),
            "contact_name": r.get("contact_name", ""),
            "contact_title": r.get("contact_title", ""),
            "contact_email": r.get("contact_email", ""),
            "contact_phone": r.get("contact_phone", ""),
            "description": t(r["processing_description"]),
            "responsibilities": t(r["responsibilities"]),
            "locations": [country_name(loc["country"]) for loc in r["locations"]],
            "safeguard": label(TransferSafeguard, r["transfer_safeguard"]),
            "safeguard_note": t(r["transfer_safeguard_note"]),
            "status": label(ProcessorStatus, r["status"]),
            "planned": r["status"] == ProcessorStatus.PLANNED,
            "active_from": r["active_from"] or "",
            # Set by subprocessors.restricted(): the last day of one that is leaving.
            "last_day": r.get("last_day", ""),
            "data_categories": [category_names.get(k[0], k[0]) for k in r["data_categories"]],
            "purposes": [purpose_names.get(k[0], k[0]) for k in r["purposes"]],
            "purpose_keys": [k[0] for k in r["purposes"]],
            "measures": (measures or {}).get(r["name"], []),
            "parent": r["parent"][0] if r["parent"] and r["parent"][0] in names else None,
            # Links where known (a release before schema 4 has no website).
            "website": web_address(r.get("website")),
            "dpa_url": web_address(r.get("dpa_url")),
            "privacy_url": web_address(r.get("privacy_url")),
            "subprocessors": [],
        }
    top = []
    for node in nodes.values():
        if node["parent"]:
            nodes[node["parent"]]["subprocessors"].append(node)
        else:
            top.append(node)
    return top


def _tracking_groups(snapshot, t, language):
    # Thousands of items share a few dozen retentions: each is worded once per language (the
    # wording switches the active language, which costs more than the rest of an item).
    retentions = {}

    def retention(kind, value, unit, note):
        key = (kind, value, unit, note)
        if key not in retentions:
            retentions[key] = format_retention(kind, value, unit, note, language=language)
        return retentions[key]

    # The type labels, translated once rather than once per item.
    type_labels = {code: str(name) for code, name in StorageType.choices}
    type_labels["cookie"] = gettext("HTTP cookie")
    items = []
    for register, is_storage in (("cookies", False), ("storage_items", True)):
        for item in snapshot[register]:
            type_code = item["storage_type"] if is_storage else "cookie"
            items.append(
                {
                    "name": item["name"],
                    # The code orders the summary's tables (TYPE_ORDER); "type" is its label.
                    "type_code": type_code,
                    "type": type_labels.get(type_code, type_code or ""),
                    "provider": item["provider"][0] if item["provider"] else "",
                    "third_party": bool(item["provider"]),
                    "domain": item["domain"],
                    "category": item["category"],
                    "purpose": t(item["purpose"]),
                    "description": t(item["description"]),
                    "retention": retention(
                        item["retention_kind"],
                        item["retention_value"],
                        item["retention_unit"],
                        t(item["retention_note"]),
                    ),
                    "retention_kind": item["retention_kind"],
                    "retention_value": item["retention_value"],
                    "retention_unit": item["retention_unit"],
                    "third_party_access": item["third_party_access"],
                    "consent_required": item["consent_required"],
                }
            )
    by_category = {}
    for item in sorted(items, key=lambda i: i["name"]):
        by_category.setdefault(item["category"], []).append(item)
    return [
        (label(TrackingCategory, category), by_category[category])
        for category in CATEGORY_ORDER
        if category in by_category
    ]
