"""The Fides privacy taxonomy (fideslang, Apache-2.0) as a starting library for the register.

Loading it adds what is missing of its 85 data categories (as personal-data categories, each
under its parent: user.contact.email is part of user.contact), 15 data subjects and 56 data
uses (as purposes), each keeping its `fides_key` so that the register can be mapped to Fides.
A data use is a template, not a purpose: its legal basis is left for a person to choose, and
the health report blocks publishing until then. Categories the taxonomy has for special
categories of data (Art. 9 and 10 GDPR) are not marked special (that needs the safeguards
applied, which only the organisation knows): the health report lists them until a person
marks them, with their safeguards, or decides they are not processed so. Rows already in
the register (by key) are left as they are; nothing is ever deleted. The names and
descriptions are the taxonomy's English: the health report lists the translations to write.
"""

from dataclasses import dataclass

import reversion
from django.db import transaction
from django.db.models import Q

from compliance.models import DataCategory, DataSubjectCategory, Purpose

# Data that Art. 9(1) or 10 GDPR treats as special (by Fides key and everything under it).
SPECIAL_KEYS = (
    "user.biometric",
    "user.authorization.biometric",
    "user.health_and_medical",
    "user.criminal_history",
    "user.demographic.political_opinion",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
)
PARTS = ("data_category", "data_subject", "data_use")


class TaxonomyMissing(Exception):
    """fideslang is not installed."""


def taxonomy():
    try:
        from fideslang.default_taxonomy import DEFAULT_TAXONOMY
    except ImportError as error:
        raise TaxonomyMissing(
            "The Fides taxonomy comes with the fideslang package: pip install fideslang."
        ) from error
    return DEFAULT_TAXONOMY


def special_q():
    """Rows whose Fides key is (or lies under) a special category's."""
    condition = Q(fides_key__in=SPECIAL_KEYS)
    for key in SPECIAL_KEYS:
        condition |= Q(fides_key__startswith=key + ".")
    return condition


@dataclass
class Report:
    added: dict
    kept: dict

    def summary(self):
        return "; ".join(
            f"{part.replace('_', ' ')}: {self.added[part]} added, {self.kept[part]} already there"
            for part in self.added
        )


def _current(terms):
    """The taxonomy's terms that are not deprecated, parents before their children."""
    terms = [term for term in terms if not term.version_deprecated]
    return sorted(terms, key=lambda term: term.fides_key.count("."))


def load(*, parts=PARTS, user=None):
    """Add the taxonomy's missing terms to the register (one revision, by `user`)."""
    source = taxonomy()
    added = dict.fromkeys(parts, 0)
    kept = dict.fromkeys(parts, 0)
    with transaction.atomic(), reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment("Loaded the Fides taxonomy")
        if "data_category" in parts:
            existing = {c.slug: c for c in DataCategory.objects.all()}
            order = {term.fides_key: i for i, term in enumerate(source.data_category)}
            for term in _current(source.data_category):
                if term.fides_key in existing:
                    kept["data_category"] += 1
                    continue
                category = DataCategory(
                    slug=term.fides_key,
                    fides_key=term.fides_key,
                    name_en=term.name,
                    description_en=term.description or "",
                    parent=existing.get(term.parent_key) if term.parent_key else None,
                    position=order[term.fides_key],
                )
                # As valid as a person's row: an export of it imports again.
                category.full_clean()
                category.save()
                existing[term.fides_key] = category
                added["data_category"] += 1
        for part, model in (("data_subject", DataSubjectCategory), ("data_use", Purpose)):
            if part not in parts:
                continue
            existing = set(model.objects.values_list("slug", flat=True))
            for position, term in enumerate(getattr(source, part)):
                if term.version_deprecated:
                    continue
                if term.fides_key in existing:
                    kept[part] += 1
                    continue
                fields = {
                    "slug": term.fides_key,
                    "fides_key": term.fides_key,
                    "name_en": term.name,
                    "description_en": term.description or "",
                    "position": position,
                }
                if model is Purpose:
                    fields["legal_basis"] = ""  # a person chooses it
                row = model(**fields)
                row.full_clean()
                row.save()
                added[part] += 1
    return Report(added, kept)
