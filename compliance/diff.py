"""What changed between two snapshots: per register, rows added, removed and changed, and for
each changed row every field that differs, per language.

Pure functions over snapshot dicts (see snapshot.py): no database, so a diff of two releases
costs only the comparison.
"""

import difflib
import re

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist

from compliance import models as register
from compliance.snapshot import REGISTER_NAMES, REGISTERS, register_rows


def _is_translation(value, languages):
    return isinstance(value, dict) and set(value) == set(languages)


def _flatten(row, languages, prefix=()):
    """{(field path, language or None): value} for every leaf of a row."""
    leaves = {}
    for name, value in row.items():
        if name == "key":
            continue
        path = (*prefix, name)
        if _is_translation(value, languages):
            for code in languages:
                leaves[(path, code)] = value[code]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            # Nested rows (data elements, locations): matched by their own key.
            for child in value:
                child_path = (*path, "/".join(str(part) for part in child["key"]))
                leaves.update(_flatten(child, languages, child_path))
        else:
            leaves[(path, None)] = value
    return leaves


def row_label(row, language="en"):
    """A readable name for a row: its name or title, else its key."""
    for field in ("name", "legal_name", "title"):
        value = row.get(field)
        if isinstance(value, dict):
            value = value.get(language) or next((v for v in value.values() if v), None)
        if value:
            return str(value)
    return " / ".join(str(part) for part in row["key"] if part not in ("", None))


def diff_rows(old, new, languages):
    """Field changes between two versions of one row. A field one of the two snapshots does not
    have at all (added to the snapshot since: a new column) is no change of the row."""
    before, after = _flatten(old, languages), _flatten(new, languages)
    shared = old.keys() & new.keys()
    changes = []
    for path, language in sorted(set(before) | set(after), key=lambda p: (p[0], p[1] or "")):
        if path[0] not in shared:
            continue
        old_value = before.get((path, language))
        new_value = after.get((path, language))
        if old_value != new_value:
            changes.append(
                {
                    "field": ".".join(path),
                    "language": language,
                    "old": old_value,
                    "new": new_value,
                }
            )
    return changes


def _key(row):
    return tuple(str(part) for part in row["key"])


def diff_snapshots(old, new):
    """The difference from snapshot `old` (None: nothing published yet) to snapshot `new`.

    Returns {"registers": [{"register", "added", "removed", "changed"}], "total": n}, where
    added and removed rows are {"key", "label"} and changed rows also carry "changes".
    Registers without a difference are left out.
    """
    languages = new.get("languages") or (old or {}).get("languages") or []
    registers = []
    total = 0
    for name in REGISTER_NAMES:
        before = {_key(row): row for row in register_rows(old or {}, name)}
        after = {_key(row): row for row in register_rows(new, name)}
        added = [
            {"key": after[key]["key"], "label": row_label(after[key])}
            for key in sorted(after.keys() - before.keys())
        ]
        removed = [
            {"key": before[key]["key"], "label": row_label(before[key])}
            for key in sorted(before.keys() - after.keys())
        ]
        changed = []
        for key in sorted(before.keys() & after.keys()):
            if before[key] == after[key]:
                # Equal rows have no change (most rows of a release): compared as a whole, in
                # C, instead of leaf by leaf.
                continue
            changes = diff_rows(before[key], after[key], languages)
            if changes:
                changed.append(
                    {"key": after[key]["key"], "label": row_label(after[key]), "changes": changes}
                )
        if added or removed or changed:
            registers.append(
                {"register": name, "added": added, "removed": removed, "changed": changed}
            )
            total += len(added) + len(removed) + len(changed)
    return {"registers": registers, "total": total}


# --- Readable names -------------------------------------------------------------------------


def _model_of(register_name):
    if register_name == "organisation":
        return register.Organisation
    return next(model for name, model, _children in REGISTERS if name == register_name)


def field_label(model, path):
    """The translated label (active language) of a snapshot field path of `model`'s rows:
    'active_until' -> 'active until'; 'locations.CZ.country' -> 'processing location CZ:
    country'."""
    name, *rest = path.split(".")
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
    if rest and field.is_relation and (field.one_to_many or field.many_to_many):
        child = field.related_model
        key, *child_path = rest
        inner = field_label(child, ".".join(child_path)) if child_path else ""
        return f"{child._meta.verbose_name} {key}: {inner}".rstrip(": ")
    label = getattr(field, "verbose_name", None)
    if label is None:  # a reverse relation: named after the related rows
        label = field.related_model._meta.verbose_name_plural
    return str(label)


# A text as words and the spaces between them, to compare word by word.
WORDS = re.compile(r"\s+|\S+")


def word_changes(old, new):
    """Two texts as [(changed, text)] parts each: what the new text no longer has, and what it
    has that the old did not, word by word (the admin highlights those)."""
    before, after = WORDS.findall(old), WORDS.findall(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    old_parts, new_parts = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        if i2 > i1:
            old_parts.append((changed, "".join(before[i1:i2])))
        if j2 > j1:
            new_parts.append((changed, "".join(after[j1:j2])))
    return _joined(old_parts), _joined(new_parts)


def _joined(parts):
    """Neighbouring parts of the same kind as one; a lone space between two changed parts is
    part of the change ("6 months", not "6" and "months")."""
    joined = []
    for index, (changed, text) in enumerate(parts):
        between_changes = (
            not changed
            and not text.strip()
            and 0 < index < len(parts) - 1
            and parts[index - 1][0]
            and parts[index + 1][0]
        )
        changed = changed or between_changes
        if joined and joined[-1][0] == changed:
            joined[-1] = (changed, joined[-1][1] + text)
        else:
            joined.append((changed, text))
    return joined


def with_labels(diff):
    """`diff` with readable, translated names in the active language: each register's title,
    each changed field's label and language, and for texts the changed words. Documents and the
    admin print these, never snapshot keys."""
    languages = dict(settings.LANGUAGES)
    for changes in diff["registers"]:
        model = _model_of(changes["register"])
        meta = model._meta
        title = meta.verbose_name if changes["register"] == "organisation" else None
        changes["title"] = str(title or meta.verbose_name_plural)
        for row in changes["changed"]:
            for change in row["changes"]:
                change["label"] = field_label(model, change["field"])
                if change.get("language"):
                    change["language_name"] = str(languages.get(change["language"], ""))
                old, new = change.get("old"), change.get("new")
                if isinstance(old, str) and isinstance(new, str) and old and new:
                    change["old_parts"], change["new_parts"] = word_changes(old, new)
    return diff
