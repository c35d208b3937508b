"""JSON Schemas of the public JSON: a release (/api/v1/schema.json) and a cookie list
(/api/v1/cookies.schema.json). Each payload names its schema in `$schema`.

The release schema is the envelope (release, dates, content hash, redactions, the
sub-processors engaged on the effective date) around the public view of the snapshot, whose
schema (localize.public_schema) is derived from the models; both are JSON Schema 2020-12.
"""

import json
from functools import lru_cache

from django.conf import settings
from django.utils import translation

from compliance.localize import public_schema
from compliance.models import ChangeKind, StorageType, TrackingCategory
from compliance.retention import RetentionKind, RetentionUnit
from compliance.snapshot import snapshot_schema

RELEASE_SCHEMA_PATH = "/api/v1/schema.json"
COOKIES_SCHEMA_PATH = "/api/v1/cookies.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
ENVELOPE = {
    "release": {"type": "integer", "minimum": 1, "description": "the release's number"},
    "published_at": {**DATE_TIME, "description": "when the release was published"},
    "effective_date": {**DATE, "description": "from when the release applies"},
    "content_hash": {
        **SHA256,
        "description": "SHA-256 of the snapshot's canonical JSON (after any redaction)",
    },
    "redacted_at": {
        "oneOf": [DATE_TIME, {"type": "null"}],
        "description": "when personal data was last removed from the release, if ever",
    },
}


def _object(properties, description=None):
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def release_schema(base):
    """The schema of /api/v1/releases/<n>.json, its $id under `base` (scheme and host)."""
    snapshot = public_schema(snapshot_schema())
    definitions = snapshot.pop("$defs")
    snapshot.pop("$schema")
    envelope = {key: ENVELOPE[key] for key in ("release", "published_at", "effective_date")}
    return {
        "$schema": DRAFT,
        "$id": base + RELEASE_SCHEMA_PATH,
        "title": "GDPR register release",
        "description": (
            "A published release of the register: the facts of the release, the "
            "sub-processors engaged on its effective date with the changes intended then, "
            "and the public view of its snapshot."
        ),
        **_object(
            {
                "$schema": {"const": base + RELEASE_SCHEMA_PATH},
                **envelope,
                "content_hash": ENVELOPE["content_hash"],
                "redactions": {
                    "type": "array",
                    "description": "personal data removed after publication, oldest first",
                    "items": _object(
                        {
                            "redacted_at": DATE_TIME,
                            "original_content_hash": SHA256,
                            "content_hash": SHA256,
                        }
                    ),
                },
                "subprocessors": _object(
                    {
                        "accurate_on": DATE,
                        "engaged": {
                            "type": "array",
                            "items": _object(
                                {
                                    "name": {"type": "string", "minLength": 1},
                                    "state": {"enum": ["engaged", "leaving"]},
                                    "last_day": {"oneOf": [DATE, {"type": "null"}]},
                                }
                            ),
                        },
                        "intended_changes": {
                            "type": "array",
                            "items": _object(
                                {
                                    "processor": {"type": "string", "minLength": 1},
                                    "change": {"enum": list(ChangeKind.values)},
                                    "replaces": {"type": "array", "items": {"type": "string"}},
                                    "notified_on": DATE,
                                    "takes_effect_on": DATE,
                                    "objections_until": {"oneOf": [DATE, {"type": "null"}]},
                                    "release": {"type": "integer", "minimum": 1},
                                }
                            ),
                        },
                    },
                    "who is engaged on the release's effective date, and what is intended",
                ),
                "snapshot": {"$ref": "#/$defs/snapshot"},
            }
        ),
        "$defs": {**definitions, "snapshot": snapshot},
    }


def cookies_schema(base):
    """The schema of /api/v1/<lang>/cookies.json."""
    text = {"type": "string"}
    item = _object(
        {
            "name": {**text, "minLength": 1, "description": "<ID> marks a variable part"},
            "type": {**text, "description": "HTTP cookie or the kind of browser storage"},
            "provider": {**text, "description": "the third party, empty for our own"},
            "third_party": {"type": "boolean"},
            "domain": text,
            "purpose": text,
            "description": text,
            "retention": {**text, "description": "how long it is kept, in words"},
            "third_party_access": {"type": "boolean"},
            "consent_required": {"type": "boolean"},
            "type_code": {
                "enum": ["cookie", *StorageType.values],
                "description": "the type as a code that does not change with the language",
            },
            "category": {"enum": list(TrackingCategory.values)},
            "category_label": {**text, "minLength": 1},
            "pattern": {
                "oneOf": [{"type": "string", "format": "regex"}, {"type": "null"}],
                "description": (
                    "the names the item stands for as a regular expression (ECMAScript and "
                    "Python alike), when its name has a <ID> placeholder"
                ),
            },
            "retention_period": _object(
                {
                    "kind": {"enum": [*RetentionKind.values, None]},
                    "value": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
                    "unit": {"enum": [*RetentionUnit.values, None]},
                    "seconds": {
                        "oneOf": [{"type": "integer", "minimum": 0}, {"type": "null"}],
                        "description": "0 for the session; null when it has no end",
                    },
                },
                "the retention as a structure (months and years as their average length)",
            ),
        }
    )
    return {
        "$schema": DRAFT,
        "$id": base + COOKIES_SCHEMA_PATH,
        "title": "Cookie and browser-storage declaration",
        "description": (
            "The cookies and browser-storage items of the latest release in one language, "
            "grouped by category, for consent tools and the widget."
        ),
        **_object(
            {
                "$schema": {"const": base + COOKIES_SCHEMA_PATH},
                **ENVELOPE,
                "language": {"enum": [code for code, _name in settings.LANGUAGES]},
                "categories": {
                    "type": "array",
                    "items": _object(
                        {
                            "category": {"enum": list(TrackingCategory.values)},
                            "label": {**text, "minLength": 1},
                            "items": {"type": "array", "items": item},
                        }
                    ),
                },
            }
        ),
    }


@lru_cache(maxsize=16)
def schema_bytes(which, base):
    # The descriptions come from the models' verbose names: the schema is in English.
    with translation.override("en"):
        schema = {"release": release_schema, "cookies": cookies_schema}[which](base)
    return json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
