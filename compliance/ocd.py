"""The Open Cookie Database: a library of known cookies, and its CSV as an import format.

The database (compliance/data/open-cookie-database.csv, Apache-2.0, see the licence beside it)
lists cookies and storage keys with platform, category, name, domain, description, retention
as free text, data controller, privacy link and a wildcard flag (the name is a prefix).

- load_library() fills the known-cookie library (a reference table, not the register) and can
  refresh it from a newer file;
- suggestions() finds known cookies for a name an editor types, for the admin to offer;
- import_ocd() imports such a file straight into the cookie register.
"""

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import reversion
import tablib
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q, Value

from compliance.imports import run_import
from compliance.models import (
    Cookie,
    KnownCookie,
    Processor,
    ProcessorStatus,
    TrackingCategory,
)
from compliance.reading import ImportFailed, read_table
from compliance.retention import format_retention, parse_retention_text, retention_words

LIBRARY_FILE = Path(__file__).resolve().parent / "data" / "open-cookie-database.csv"

COLUMNS = {
    "ID": "ocd_id",
    "Platform": "platform",
    "Category": "category",
    "Cookie / Data Key name": "name",
    "Domain": "domain",
    "Description": "description",
    "Retention period": "retention",
    "Data Controller": "data_controller",
    "User Privacy & GDPR Rights Portals": "privacy_url",
    "Wildcard match": "wildcard",
}

CATEGORIES = {
    # Neither decides the strictly-necessary test (legal reference 5.3): a "functional" cookie
    # is most often a preference, a "security" one often necessary. Both are flagged for review
    # (CATEGORIES_TO_REVIEW), never made necessary silently.
    "functional": TrackingCategory.PREFERENCES,
    "security": TrackingCategory.NECESSARY,
    "necessary": TrackingCategory.NECESSARY,
    "personalization": TrackingCategory.PREFERENCES,
    "analytics": TrackingCategory.STATISTICS,
    "marketing": TrackingCategory.MARKETING,
}

CATEGORIES_TO_REVIEW = {"functional", "security"}

# A wildcard entry's name is a prefix; in the register that is a pattern with a placeholder.
WILDCARD_PLACEHOLDER = "<ID>"


def read_rows(content):
    """The file's rows as dicts with our field names; ImportFailed for a file that is not one."""
    headers, table = read_table(content, "csv")
    missing = [column for column in COLUMNS if column not in headers]
    if missing:
        raise ImportFailed(
            [f"Not an Open Cookie Database file: missing column(s) {', '.join(missing)}."]
        )
    rows = []
    for cells in table:
        row = dict(zip(headers, cells, strict=True))
        record = {ours: (row.get(theirs) or "").strip() for theirs, ours in COLUMNS.items()}
        record["name"] = clean_name(record["name"])
        record["wildcard"] = record["wildcard"] == "1"
        rows.append(record)
    if not rows:
        raise ImportFailed(["The file has a header row but no data rows."])
    return rows


def clean_name(name):
    """The database has a few names with invisible characters (a soft hyphen, a trailing tab)
    that no browser would send: drop them."""
    visible = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    return " ".join(visible.split())


def valid_url(value):
    try:
        URLValidator()(value)
    except ValidationError:
        return ""
    return value if len(value) <= 500 else ""


def register_category(ocd_category):
    return CATEGORIES.get(ocd_category.strip().lower(), TrackingCategory.UNCLASSIFIED)


# --- The known-cookie library -------------------------------------------------------------


@dataclass
class LibraryReport:
    created: int
    updated: int
    removed: int

    def summary(self):
        return (
            f"Known-cookie library: {self.created} added, {self.updated} updated, "
            f"{self.removed} removed."
        )


@transaction.atomic
def load_library(content=None):
    """Make the library match the file (the shipped one by default): add, update, remove."""
    rows = read_rows(content if content is not None else LIBRARY_FILE.read_bytes())
    by_id = {}
    for row in rows:
        row["privacy_url"] = valid_url(row["privacy_url"])
        by_id[row["ocd_id"]] = row
    existing = {known.ocd_id: known for known in KnownCookie.objects.all()}
    fields = [name for name in COLUMNS.values() if name != "ocd_id"]
    created = [KnownCookie(**row) for ocd_id, row in by_id.items() if ocd_id not in existing]
    changed = []
    for ocd_id, known in existing.items():
        row = by_id.get(ocd_id)
        if row and any(getattr(known, name) != row[name] for name in fields):
            for name in fields:
                setattr(known, name, row[name])
            changed.append(known)
    removed = [ocd_id for ocd_id in existing if ocd_id not in by_id]
    KnownCookie.objects.bulk_create(created, batch_size=500)
    KnownCookie.objects.bulk_update(changed, fields, batch_size=500)
    KnownCookie.objects.filter(ocd_id__in=removed).delete()
    return LibraryReport(len(created), len(changed), len(removed))


def suggestions(name, limit=5):
    """Known cookies for `name`: the same name, or a wildcard entry that is its prefix.

    For a pattern such as _ga_<ID>, the text before the first placeholder is the prefix.
    """
    name = (name or "").strip()
    if not name:
        return []
    prefix = name.split("<", 1)[0]
    matches = KnownCookie.objects.annotate(typed=Value(prefix)).filter(
        Q(name=name) | Q(wildcard=True, typed__startswith=F("name"))
    )
    providers = {}
    result = []
    for known in matches.order_by("-wildcard", "name", "platform")[:limit]:
        kind, value, unit, note, review = parse_retention_text(known.retention)
        if known.data_controller and known.data_controller not in providers:
            providers[known.data_controller] = (
                Processor.objects.filter(name=known.data_controller)
                .values_list("pk", flat=True)
                .first()
            )
        category = register_category(known.category)
        result.append(
            {
                "name": known.name,
                "wildcard": known.wildcard,
                "platform": known.platform,
                "category": category,
                # What the suggestion box shows, in the admin's language.
                "category_label": str(TrackingCategory(category).label),
                "category_in_database": known.category,
                "description": known.description,
                "retention": {
                    "text": known.retention,
                    # Read as the register would store it, worded in the admin's language (a
                    # text nobody could read stays as found, in the database's English).
                    "display": format_retention(kind, value, unit, note) or known.retention,
                    "kind": kind,
                    "value": value,
                    "unit": unit,
                    "note": note,
                    "needs_review": review,
                },
                "provider": known.data_controller,
                "provider_id": providers.get(known.data_controller),
                "privacy_url": known.privacy_url,
            }
        )
    return result


# --- Importing into the register ------------------------------------------------------------


@dataclass
class OcdImportReport:
    imported: int
    for_review: int
    merged_duplicates: int
    created_providers: int
    dry_run: bool
    categories_for_review: int = 0

    def summary(self):
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.imported} cookies from the Open Cookie Database; "
            f"{self.for_review} flagged for retention review; "
            f"{self.categories_for_review} flagged for category review; "
            f"{self.merged_duplicates} duplicate rows merged; "
            f"{self.created_providers} providers added as planned processors."
        )


REGISTER_HEADERS = [
    "name",
    "domain",
    "category",
    "provider",
    "consent_required",
    "third_party_access",
    "description_en",
    "retention",
    "retention_needs_review",
    "category_needs_review",
]


def _register_row(row):
    kind, value, unit, note, review = parse_retention_text(row["retention"])
    words = retention_words(kind, value, unit, note)
    category = register_category(row["category"])
    name = row["name"] + (WILDCARD_PLACEHOLDER if row["wildcard"] else "")
    return {
        "name": name,
        "domain": row["domain"],
        "category": category,
        "provider": row["data_controller"],
        "consent_required": "no" if category == TrackingCategory.NECESSARY else "yes",
        "third_party_access": "yes" if row["data_controller"] else "no",
        "description_en": row["description"],
        "retention": words,
        "retention_needs_review": "yes" if review else "no",
        "category_needs_review": (
            "yes" if row["category"].strip().lower() in CATEGORIES_TO_REVIEW else "no"
        ),
    }


def _create_providers(names):
    existing = set(Processor.objects.filter(name__in=names).values_list("name", flat=True))
    created = 0
    for name in sorted(set(names) - existing):
        processor = Processor(
            name=name,
            status=ProcessorStatus.PLANNED,
            processing_description_en=(
                "Sets or reads the cookies listed for it. Added by an Open Cookie Database "
                "import: review its details before publishing."
            ),
        )
        processor.full_clean()
        processor.save()
        created += 1
    return created


def import_ocd(content, *, user=None, dry_run=False, source="Open Cookie Database"):
    """Import an Open Cookie Database file into the cookie register: all rows or none."""
    rows = read_rows(content)
    register_rows, seen, merged = [], set(), 0
    for row in rows:
        register_row = _register_row(row)
        key = (register_row["name"], register_row["domain"], register_row["category"])
        if key in seen:
            merged += 1  # the database lists some cookies twice; the first entry is kept
            continue
        seen.add(key)
        register_rows.append(register_row)
    dataset = tablib.Dataset(headers=REGISTER_HEADERS)
    for register_row in register_rows:
        dataset.append([register_row[header] for header in REGISTER_HEADERS])

    with transaction.atomic(), reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        created = _create_providers({row["provider"] for row in register_rows if row["provider"]})
        run_import(Cookie, dataset, user=user, source=source)
        report = OcdImportReport(
            imported=len(register_rows),
            for_review=sum(row["retention_needs_review"] == "yes" for row in register_rows),
            merged_duplicates=merged,
            created_providers=created,
            dry_run=dry_run,
            categories_for_review=sum(
                row["category_needs_review"] == "yes" for row in register_rows
            ),
        )
        if dry_run:
            transaction.set_rollback(True)
    return report
