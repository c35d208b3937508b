"""The register as one plain, JSON-serialisable structure: the only input of every renderer.

build_snapshot() reads the whole register, every language, in a fixed number of queries and
returns a dict documented by snapshot.schema.json beside this file. Fields are taken from the
models themselves, so a field added to a model appears here without further code:

- a translated field becomes {"en": ..., "pl": ..., "cs": ..., "de": ...} (None where empty);
- a relation becomes the related row's natural key (a list), a many-to-many field a sorted list
  of natural keys, a country its ISO code, a date its ISO form;
- rows a register owns (a category's data elements, a processor's locations) are nested;
- every row has "key", its natural key, by which diffs match rows across releases.

Lists are sorted in Python (by position where the model has one, then by key), not by the
database, so the same register gives the same snapshot, and hash, on SQLite and PostgreSQL.
"""

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import translation
from django_countries.fields import CountryField
from modeltranslation.translator import translator

from compliance import models as register

# The snapshot's structure: 1 first; 2 added the storage items' and cookies'
# `category_needs_review`; 3 the Fides keys and the data categories' `parent` (and allows a
# purpose's legal basis to be blank); 4 the processors' `website`, the organisation's `logo`
# and `accent_colour`; 5 the organisation's options of the Clauses (`subprocessor_authorisation`,
# `subprocessor_notice_days`, `docking_clause`) and `controllers_description`, the purposes'
# `role` and Art. 13 fields, the measures' `not_applicable` and `processor`. Releases keep the
# version they were published with.
SCHEMA_VERSION = 5

# (name in the snapshot, model, {nested name: (child model, its foreign key to the parent)})
REGISTERS = [
    ("contacts", register.Contact, {}),
    ("data_subject_categories", register.DataSubjectCategory, {}),
    ("data_categories", register.DataCategory, {"elements": (register.DataElement, "category")}),
    ("purposes", register.Purpose, {}),
    ("processors", register.Processor, {"locations": (register.ProcessingLocation, "processor")}),
    ("cookies", register.Cookie, {}),
    ("storage_items", register.StorageItem, {}),
    ("technical_measures", register.TechnicalMeasure, {}),
    ("policy_clauses", register.PolicyClause, {}),
]
REGISTER_NAMES = ["organisation", *(name for name, _model, _children in REGISTERS)]

# Bookkeeping, not register content.
SKIPPED_FIELDS = {
    "id",
    "edit_version",
    "singleton",
    "translation_sources",
    "translations_to_review",
}


def languages():
    return [code for code, _name in settings.LANGUAGES]


def translated_fields(model):
    if model in translator.get_registered_models():
        return set(translator.get_options_for_model(model).fields)
    return set()


def translated_columns(model):
    """{translated field: [(language, its column), ...]} of `model`."""
    codes = languages()
    return {name: [(code, f"{name}_{code}") for code in codes] for name in translated_fields(model)}


def _translation_columns(model):
    return {f"{name}_{code}" for name in translated_fields(model) for code in languages()}


def content_fields(model, parent_link=None):
    """The fields that make up a row's content, in model order."""
    skipped = SKIPPED_FIELDS | _translation_columns(model) | {parent_link}
    return [
        field
        for field in model._meta.get_fields()
        if field.concrete and not field.auto_created and field.name not in skipped
    ]


def _natural_key(obj):
    return list(obj.natural_key()) if obj is not None else None


def _value(obj, field, translated):
    if field.name in translated:
        # translated maps a field's name to its (language, column) pairs, worked out once per
        # model: a 50,000-row register asks this 400,000 times.
        return {code: (getattr(obj, column) or None) for code, column in translated[field.name]}
    if field.many_to_many:
        return sorted(_natural_key(related) for related in getattr(obj, field.name).all())
    if field.is_relation:
        return _natural_key(getattr(obj, field.name))
    value = field.value_from_object(obj)
    if hasattr(value, "code"):  # a country
        return value.code or ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _row(obj, fields, translated, children=None):
    row = {"key": _natural_key(obj)}
    for field in fields:
        row[field.name] = _value(obj, field, translated)
    for name, (child_model, link) in (children or {}).items():
        child_fields = content_fields(child_model, parent_link=link)
        child_translated = translated_columns(child_model)
        rows = [_row(child, child_fields, child_translated) for child in getattr(obj, name).all()]
        row[name] = sorted(rows, key=_sort_key)
    return row


def _sort_key(row):
    position = row.get("position")
    return (position if isinstance(position, int) else 0, [str(part) for part in row["key"]])


def _plain(value):
    if hasattr(value, "code"):  # a country, where a field gives one
        return value.code or ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _many_keys(model, name):
    """{row's pk: sorted natural keys of its related rows} of many-to-many field `name`."""
    field = model._meta.get_field(name)
    source = field.m2m_field_name()
    target = field.m2m_reverse_field_name()
    paths = [f"{target}__{part}" for part in field.related_model.NATURAL_KEY]
    related = {}
    for values in field.remote_field.through.objects.values(f"{source}_id", *paths):
        related.setdefault(values[f"{source}_id"], []).append([values[p] for p in paths])
    return {pk: sorted(keys) for pk, keys in related.items()}


def _rows(model, fields, translated, children=None, parent_link=None):
    """Every row of `model` as snapshot rows, read with values(): no model instances, whose
    creation (modeltranslation's included) was most of a 50,000-item snapshot. With
    `parent_link`, {parent's pk: its rows} instead."""
    key_paths = list(model.NATURAL_KEY)
    columns = {"pk", *key_paths}
    plan = []  # (name in the row, how to read it, what to read)
    for field in fields:
        if field.name in translated:
            plan.append((field.name, "translated", translated[field.name]))
            columns.update(column for _code, column in translated[field.name])
        elif field.many_to_many:
            plan.append((field.name, "many", _many_keys(model, field.name)))
        elif field.is_relation:
            paths = [f"{field.name}__{part}" for part in field.related_model.NATURAL_KEY]
            plan.append((field.name, "foreign", paths))
            columns.update(paths)
        else:
            plan.append((field.name, "plain", field.attname))
            columns.add(field.attname)
    if parent_link:
        columns.add(f"{parent_link}_id")
    nested = {
        name: _rows(
            child_model,
            content_fields(child_model, parent_link=link),
            translated_columns(child_model),
            parent_link=link,
        )
        for name, (child_model, link) in (children or {}).items()
    }
    rows = []
    by_parent = {}
    for values in model._default_manager.values(*columns):
        row = {"key": [values[path] for path in key_paths]}
        for name, how, what in plan:
            if how == "translated":
                row[name] = {code: (values[column] or None) for code, column in what}
            elif how == "many":
                row[name] = what.get(values["pk"], [])
            elif how == "foreign":
                parts = [values[path] for path in what]
                row[name] = None if all(part is None for part in parts) else parts
            else:
                row[name] = _plain(values[what])
        for name, child_rows in nested.items():
            row[name] = sorted(child_rows.get(values["pk"], []), key=_sort_key)
        if parent_link:
            by_parent.setdefault(values[f"{parent_link}_id"], []).append(row)
        else:
            rows.append(row)
    return by_parent if parent_link else rows


def build_snapshot():
    """The whole register, every language, as plain data."""
    snapshot = {
        "schema_version": SCHEMA_VERSION,
        "default_language": settings.MODELTRANSLATION_DEFAULT_LANGUAGE,
        "languages": languages(),
    }
    organisation_fields = content_fields(register.Organisation)
    organisation = register.Organisation.objects.first()
    snapshot["organisation"] = (
        _row(organisation, organisation_fields, translated_columns(register.Organisation))
        if organisation is not None
        else None
    )
    for name, model, children in REGISTERS:
        rows = _rows(model, content_fields(model), translated_columns(model), children)
        snapshot[name] = sorted(rows, key=_sort_key)
    return snapshot


def canonical_json(snapshot):
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(snapshot):
    """SHA-256 of the canonical JSON: equal registers have equal hashes."""
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def register_rows(snapshot, name):
    """The rows of register `name` (the organisation is a register of at most one row)."""
    if name == "organisation":
        return [snapshot["organisation"]] if snapshot.get("organisation") else []
    return snapshot.get(name, [])


# --- The documented structure --------------------------------------------------------------

SCHEMA_PATH = Path(__file__).with_name("snapshot.schema.json")


def _field_schema(field, translated):
    description = str(field.verbose_name)
    if field.name in translated:
        return {"$ref": "#/$defs/translated", "description": description}
    if field.many_to_many:
        return {
            "type": "array",
            "items": {"$ref": "#/$defs/key"},
            "description": f"{description}: natural keys of {field.related_model.__name__} rows",
        }
    if field.is_relation:
        return {
            "oneOf": [{"$ref": "#/$defs/key"}, {"type": "null"}],
            "description": f"{description}: natural key of a {field.related_model.__name__}",
        }
    if isinstance(field, CountryField):
        return {"type": "string", "pattern": "^([A-Z]{2})?$", "description": description}
    if isinstance(field, models.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, models.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, models.IntegerField):
        schema = {"type": "integer", "minimum": 0}
    else:
        schema = {"type": "string"}
    if field.choices:
        schema["enum"] = [value for value, _label in field.flatchoices]
        if field.blank and "" not in schema["enum"]:
            schema["enum"].append("")
    if field.null:
        schema = {"oneOf": [schema, {"type": "null"}]}
        if "enum" in schema["oneOf"][0]:
            schema["oneOf"][0]["enum"] = [v for v in schema["oneOf"][0]["enum"] if v is not None]
    schema["description"] = description
    return schema


def _row_schema(model, children=None, parent_link=None):
    translated = translated_fields(model)
    properties = {
        "key": {
            "$ref": "#/$defs/key",
            "description": "natural key: " + ", ".join(model.NATURAL_KEY),
        }
    }
    for field in content_fields(model, parent_link=parent_link):
        properties[field.name] = _field_schema(field, translated)
    for name, (child_model, link) in (children or {}).items():
        properties[name] = {
            "type": "array",
            "items": _row_schema(child_model, parent_link=link),
            "description": str(child_model._meta.verbose_name_plural),
        }
    return {
        "type": "object",
        "description": str(model._meta.verbose_name),
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def snapshot_schema():
    """JSON Schema of build_snapshot()'s output, derived from the models."""
    codes = languages()
    properties = {
        "schema_version": {"const": SCHEMA_VERSION},
        "default_language": {"enum": codes},
        "languages": {"type": "array", "items": {"enum": codes}},
        "organisation": {
            "oneOf": [_row_schema(register.Organisation), {"type": "null"}],
            "description": "the organisation that keeps the register (at most one)",
        },
    }
    for name, model, children in REGISTERS:
        properties[name] = {"type": "array", "items": _row_schema(model, children)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "GDPR register snapshot",
        "description": (
            "The whole register in every language, as published in a release. Translated "
            "texts are objects by language code (null where not written); relations are "
            "natural keys; lists are sorted by position, then key."
        ),
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        "$defs": {
            "translated": {
                "type": "object",
                "properties": {code: {"type": ["string", "null"]} for code in codes},
                "required": codes,
                "additionalProperties": False,
            },
            "key": {
                "type": "array",
                "items": {"type": ["string", "integer"]},
                "minItems": 1,
            },
        },
    }


def write_schema(path=SCHEMA_PATH):
    with translation.override("en"):
        schema = snapshot_schema()
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
