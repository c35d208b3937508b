"""What each saved version of a register row changed: field by field, the old and the new value,
labelled and shown in the active language (the admin's history, and what a revert restores).

Versions are read from reversion's stored JSON, not rebuilt as model instances, so a version
saved before a field was added or removed still shows. Related rows are named with one query
per related model for the whole history.
"""

import json

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from reversion.models import Version

from compliance.snapshot import SKIPPED_FIELDS, translated_fields


def stored_fields(version):
    """{field name: stored value} of a reversion Version (its JSON serialisation)."""
    try:
        return json.loads(version.serialized_data)[0]["fields"]
    except (ValueError, LookupError, TypeError):
        return {}


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


class Names:
    """The names of related rows by primary key, read once per related model."""

    def __init__(self, model, states):
        wanted = {}
        for state in states:
            for name, value in state.items():
                field = _field(model, name)
                if field is None or not field.is_relation or value in (None, "", []):
                    continue
                keys = value if isinstance(value, list) else [value]
                wanted.setdefault(field.related_model, set()).update(
                    key for key in keys if not isinstance(key, list)
                )
        self.names = {
            related: {pk: str(row) for pk, row in related._default_manager.in_bulk(keys).items()}
            for related, keys in wanted.items()
        }

    def name(self, related, key):
        return self.names.get(related, {}).get(key, f"#{key}")


def shown(field, value, names):
    """A stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if field is None:
        return str(value)
    if field.many_to_many:
        return ", ".join(sorted(names.name(field.related_model, key) for key in value))
    if field.is_relation:
        return names.name(field.related_model, value)
    if isinstance(field, models.BooleanField):
        return gettext("yes") if value else gettext("no")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def label(model, name):
    field = _field(model, name)
    return capfirst(str(field.verbose_name)) if field is not None else name


def changes(model, before, after, names):
    """[(label, old, new)] of the fields that differ between two stored states (before may be
    empty: the first version, whose filled fields are listed)."""
    order = {field.name: index for index, field in enumerate(model._meta.get_fields())}
    # modeltranslation keeps the default language's text in the untranslated column too: the
    # per-language columns (name [en], name [pl], ...) say it once.
    skipped = SKIPPED_FIELDS | set(translated_fields(model))
    result = []
    for name in sorted(set(before) | set(after), key=lambda n: (order.get(n, len(order)), n)):
        if name in skipped:
            continue
        old, new = before.get(name), after.get(name)
        if isinstance(old, list) and isinstance(new, list):
            old, new = sorted(old, key=str), sorted(new, key=str)
        if old == new or (old in (None, "", []) and new in (None, "", [])):
            continue
        field = _field(model, name)
        result.append((label(model, name), shown(field, old, names), shown(field, new, names)))
    return result


def changes_by_version(model, versions):
    """{version pk: [(label, old, new)]} for `versions` of one row: each against the version
    saved before it (the first against nothing)."""
    versions = sorted(versions, key=lambda version: version.pk)
    states = [stored_fields(version) for version in versions]
    names = Names(model, states)
    result = {}
    for index, version in enumerate(versions):
        before = states[index - 1] if index else {}
        result[version.pk] = changes(model, before, states[index], names)
    return result


def restoring(model, object_id, version_id):
    """(the version chosen, what reverting the row to it changes), or None; read before the
    revert happens."""
    version = (
        Version.objects.filter(pk=version_id, object_id=object_id)
        .select_related("revision", "revision__user")
        .first()
    )
    latest = Version.objects.get_for_object_reference(model, object_id).order_by("-pk").first()
    if version is None or latest is None:
        return None
    before, after = stored_fields(latest), stored_fields(version)
    return version, changes(model, before, after, Names(model, [before, after]))


def restored_message(version, restored):
    """What the admin says after a revert: which version, and what it restored."""
    saved = date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
    who = version.revision.user.get_username() if version.revision.user else "—"
    if not restored:
        return gettext(
            "Restored the version saved on %(date)s by %(user)s: it was the same as the "
            "current one."
        ) % {"date": saved, "user": who}
    fields = "; ".join(f"{label}: {old} → {new}" for label, old, new in restored)
    return gettext("Restored the version saved on %(date)s by %(user)s: %(fields)s.") % {
        "date": saved,
        "user": who,
        "fields": fields,
    }
