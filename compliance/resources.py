"""Import and export resources (django-import-export): one per register model.

Columns are what a person reads and types in a spreadsheet:
- relations by natural key (a cookie's provider and a processor's parent by name, categories
  and purposes by their key), never database ids; many-to-many as keys separated by ", ";
- one column per language for each translated field (description_en, description_pl, ...);
- a cookie's or storage item's retention as words ("session", "persistent", "6 months"), its
  notes in retention_note_en, retention_note_pl, ... (a file may also write the English note
  after the words: "13 months after last activity");
- choices as their label in the export's language (code in JSON); imports take the code or
  the label in any language;
- countries as ISO codes, dates as YYYY-MM-DD, yes/no for booleans (typed cells in XLSX).
Rows are matched to existing ones by natural key, so importing a file again changes nothing.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django_countries import countries
from django_countries.fields import CountryField
from import_export import fields, resources, widgets
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import RowResult

from compliance import models as register
from compliance import translation_review
from compliance.retention import RetentionParseError, parse_retention_words, retention_words
from compliance.snapshot import SKIPPED_FIELDS, content_fields, translated_fields

# Models in import order: what a row refers to comes before it.
IMPORTABLE_MODELS = [
    register.Organisation,
    register.Contact,
    register.DataSubjectCategory,
    register.DataCategory,
    register.DataElement,
    register.Purpose,
    register.Processor,
    register.ProcessingLocation,
    register.Cookie,
    register.StorageItem,
    register.TechnicalMeasure,
    register.PolicyClause,
]

# The natural key field each relation is written as.
RELATED_KEY = {
    register.Processor: "name",
    register.DataCategory: "slug",
    register.DataSubjectCategory: "slug",
    register.Purpose: "slug",
}

RETENTION_PARTS = ("retention_kind", "retention_value", "retention_unit", "retention_note_en")
RETENTION_NOTE = "retention_note_en"


def languages():
    return [code for code, _name in settings.LANGUAGES]


# --- Widgets ----------------------------------------------------------------------------------


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A relation written as the related row's natural key; an unknown key is an error.

    Rows found are remembered for the rest of the import (forget() starts afresh), so a file
    naming one provider ten thousand times looks it up once.
    """

    def __init__(self, model, field):
        super().__init__(model, field=field)
        self.found = {}

    def forget(self):
        self.found = {}

    def clean(self, value, row=None, **kwargs):
        value = (str(value).strip() if value is not None else "") or None
        if value is None:
            return None
        if value not in self.found:
            try:
                self.found[value] = self.get_queryset(value, row, **kwargs).get(
                    **{self.field: value}
                )
            except self.model.DoesNotExist:
                raise ValueError(f"there is no {self.model._meta.verbose_name} {value!r}") from None
        return self.found[value]


class NaturalKeysWidget(widgets.ManyToManyWidget):
    """Many-to-many as natural keys separated by ', '; every key must exist."""

    def __init__(self, model, field):
        super().__init__(model, separator=",", field=field)

    def clean(self, value, row=None, **kwargs):
        keys = [key.strip() for key in str(value or "").split(self.separator) if key.strip()]
        found = {
            getattr(obj, self.field): obj
            for obj in self.model.objects.filter(**{f"{self.field}__in": keys})
        }
        unknown = [key for key in keys if key not in found]
        if unknown:
            raise ValueError(
                f"there is no {self.model._meta.verbose_name} "
                + ", ".join(repr(key) for key in unknown)
            )
        return [found[key] for key in keys]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ", ".join(sorted(str(getattr(obj, self.field)) for obj in value.all()))


class ChoiceWidget(widgets.Widget):
    """A choice as a person reads it: written as its label in the active language for
    spreadsheets (render(..., choice_labels=True)) and as its code otherwise (JSON); read from
    the code or the label in any configured language, in any letter case."""

    def __init__(self, choices):
        super().__init__()
        self.choices = [(code, label) for code, label in choices if code]
        self._lookup = None

    def lookup(self):
        """{casefolded code or label: code}; a text two choices share is left out (ambiguous,
        a test keeps the labels apart)."""
        if self._lookup is None:
            found, ambiguous = {}, set()
            for language in [None, *languages()]:
                with translation.override(language or "en"):
                    for code, label in self.choices:
                        for text in (code, str(label)) if language is None else (str(label),):
                            key = text.strip().casefold()
                            if found.get(key, code) != code:
                                ambiguous.add(key)
                            found[key] = code
            self._lookup = {k: v for k, v in found.items() if k not in ambiguous}
        return self._lookup

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if not text:
            return ""
        code = self.lookup().get(text.casefold())
        if code is None:
            allowed = ", ".join(f"{label} ({code})" for code, label in self.choices)
            raise ValueError(f"{value!r} is not one of: {allowed}")
        return code

    def render(self, value, obj=None, choice_labels=False, **kwargs):
        if not value:
            return ""
        return str(dict(self.choices).get(value, value)) if choice_labels else value


class YesNoWidget(widgets.Widget):
    # Also the words a person types in the other configured languages.
    TRUE = {"yes", "true", "1", "y", "tak", "ano", "ja"}
    FALSE = {"no", "false", "0", "n", "", "nie", "ne", "nein"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = str(value if value is not None else "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"{value!r} is not yes or no")

    def render(self, value, obj=None, typed=False, **kwargs):
        # A spreadsheet's own yes/no (a boolean cell) where the file can hold one.
        if typed:
            return bool(value)
        return "yes" if value else "no"


class CountryWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        code = str(value or "").strip().upper()
        if code and code not in countries:
            raise ValueError(f"{value!r} is not a country code (ISO 3166, e.g. CZ)")
        return code

    def render(self, value, obj=None, **kwargs):
        return getattr(value, "code", value) or ""


class IsoDateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date as YYYY-MM-DD") from None

    def render(self, value, obj=None, typed=False, **kwargs):
        if typed:
            return value or ""
        return value.isoformat() if value else ""


class TextWidget(widgets.CharWidget):
    """Text as written; an empty cell is an empty text (not None), as forms save it."""

    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class WholeNumberWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a whole number") from None
        if number != int(number) or number < 0:
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)

    def render(self, value, obj=None, typed=False, **kwargs):
        if value is None:
            return ""
        return value if typed else str(value)


# --- The retention column -------------------------------------------------------------------


class RetentionField(fields.Field):
    """One 'retention' column for the structured retention (kind, number, unit): 'session',
    '6 months'. The English note has its own column, retention_note_en, like the other
    languages'; a file may instead write it after the words ('13 months after last
    activity'), as exports before that column did."""

    def __init__(self):
        super().__init__(attribute="retention_kind", column_name="retention", widget=TextWidget())

    def get_value(self, obj):
        if not obj.retention_kind:
            # Nothing structured yet (flagged for review): the words as found are the note.
            return obj.retention_note_en or ""
        return retention_words(obj.retention_kind, obj.retention_value, obj.retention_unit)

    def export(self, instance, **kwargs):
        return self.get_value(instance)

    def save(self, instance, row, is_m2m=False, **kwargs):
        text = row.get(self.column_name)
        try:
            kind, value, unit, note = parse_retention_words(text)
        except RetentionParseError as error:
            # A row flagged for review may carry a retention nobody could read yet: it is kept
            # as the note, to be decided by a person (Open Cookie Database imports).
            if YesNoWidget().clean(row.get("retention_needs_review"), row) is not True:
                raise ValueError(str(error)) from None
            kind, value, unit, note = "", None, "", str(text).strip()
        column = str(row.get(RETENTION_NOTE) or "").strip()
        if column and note and column != note:
            raise ValueError(
                f"the note is written twice, differently: {note!r} after the retention and "
                f"{column!r} in {RETENTION_NOTE}; keep it in {RETENTION_NOTE}"
            )
        instance.retention_kind = kind
        instance.retention_value = value
        instance.retention_unit = unit
        instance.retention_note_en = column or note


class RetentionNoteField(fields.Field):
    """retention_note_en: exported as it is, imported by RetentionField (which reconciles it
    with a note written after the retention words)."""

    def __init__(self):
        super().__init__(attribute=RETENTION_NOTE, column_name=RETENTION_NOTE, widget=TextWidget())

    def save(self, instance, row, is_m2m=False, **kwargs):
        pass


# --- Resources --------------------------------------------------------------------------------


class NaturalKeyLoader(ModelInstanceLoader):
    """Finds the existing row of each row of the file by natural key, reading them in one query
    (see _read_existing)."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.key_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.existing = None

    def _key_of_row(self, row):
        return tuple(self._normal(field.clean(row)) for field in self.key_fields)

    def _key_of_instance(self, instance):
        return tuple(self._normal(getattr(instance, field.attribute)) for field in self.key_fields)

    @staticmethod
    def _normal(value):
        if isinstance(value, models.Model):
            return value.pk
        return getattr(value, "code", value) or ""

    def get_instance(self, row):
        in_parts = getattr(self.resource, "in_parts", False)
        if self.existing is None:
            self.existing = self._read_existing(in_parts)
        try:
            key = self._key_of_row(row)
        except ValueError:
            return None  # the row's own validation reports the bad key
        if not in_parts:
            return self.existing.get(key)
        # Keys are unique in the file as written (before_import), but two spellings of one
        # key (a category by its code and by its label) would be one row twice.
        if key in self.resource.keys_seen:
            raise ValueError(
                f"the same {self.resource._meta.model._meta.verbose_name} as an earlier row "
                f"({', '.join(str(part) for part in key)}): give each one once"
            )
        self.resource.keys_seen.add(key)
        # Checked in parts, each row is let go once checked (imports.check_rows): a row found
        # is taken out of what was read, or it would stay in memory through the import.
        return self.existing.pop(key, None)

    def _read_existing(self, in_parts):
        """The register's rows by key, read in one query: all of them, or for one part of a
        file checked in parts (BulkRegisterResource) those that share the first part of a key
        with one of its rows (an update of 50,000 rows read them all at once and kept them to
        the end: 649 MiB, bench/README.md)."""
        relations = [
            field.attribute
            for field in self.resource.fields.values()
            if isinstance(field.widget, NaturalKeyWidget)
        ]
        queryset = self.get_queryset().select_related(*relations)
        if in_parts:
            first = set()
            for row in self.dataset.dict:
                try:
                    first.add(self._key_of_row(row)[0])
                except ValueError:
                    continue
            queryset = queryset.filter(**{f"{self.key_fields[0].attribute}__in": first})
        return {self._key_of_instance(obj): obj for obj in queryset}


class NoDiff:
    """Previews show each row's effect (new, updated, unchanged), not a field-by-field diff;
    computing that diff would double the cost of large imports."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


class RegisterResource(resources.ModelResource):
    """Shared behaviour; the columns are built from the model by resource_for()."""

    # Told the number of each row once it is checked (imports.validate(progress=...)).
    progress = None

    def get_diff_class(self):
        return NoDiff

    def get_queryset(self):
        """Relations read in the same query (foreign keys) or one more (many-to-many)."""
        single, many = [], []
        for field in self.fields.values():
            if isinstance(field.widget, NaturalKeysWidget):
                many.append(field.attribute)
            elif isinstance(field.widget, NaturalKeyWidget):
                single.append(field.attribute)
        if self._meta.model in (register.Processor, register.DataCategory):
            single.append("parent")
        return super().get_queryset().select_related(*single).prefetch_related(*many)

    def before_import(self, dataset, **kwargs):
        for field in self.fields.values():
            if isinstance(field.widget, NaturalKeyWidget):
                field.widget.forget()
        self._refuse_duplicate_keys(dataset)

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if row_result.import_type == RowResult.IMPORT_TYPE_UPDATE and row_result.original:
            # What the preview shows of a changed row (only changed rows pay for it).
            row_result.changes = self.row_changes(row_result.original, row_result.instance, row)
        if self.progress is not None:
            self.progress(kwargs["row_number"])  # counted from 1: the rows done

    def row_changes(self, original, instance, row):
        """[[column, old, new]] of each column of `row` whose value changes, as an export
        writes it (choices as labels in the active language)."""
        changes = []
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            old = str(self.export_field(field, original, choice_labels=True) or "")
            if isinstance(field.widget, NaturalKeysWidget):
                keys = [str(getattr(obj, field.widget.field)) for obj in field.clean(row)]
                new = ", ".join(sorted(keys))
            elif not field.attribute:
                new = str(row[field.column_name] or "").strip()  # set after the rows: parent
            else:
                new = str(self.export_field(field, instance, choice_labels=True) or "")
            if old != new:
                changes.append([field.column_name, old, new])
        return changes

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # modeltranslation stores an empty translation as NULL; a file gives ''. The same
        # (no) text, not a change: without this, importing an export "updates" such rows,
        # bumping their edit version and adding empty history entries.
        if original is not None and original.pk is not None:
            for field in original.text_fields():
                stored = getattr(original, field.attname)
                if stored is None and getattr(instance, field.attname) == "":
                    setattr(original, field.attname, "")
        skip = super().skip_row(instance, original, row, import_validation_errors)
        if not skip:
            # The bulk write (imports.write_validated) saves no row: what is to review is
            # worked out here, against the row as stored.
            previous = (
                None
                if original is None or original.pk is None
                else {
                    column: getattr(original, column)
                    for column in translation_review.columns(type(original))
                }
            )
            translation_review.refresh(instance, previous)
        return skip

    def _refuse_duplicate_keys(self, dataset):
        columns = [self.fields[name].column_name for name in self.get_import_id_fields()]
        if not all(column in dataset.headers for column in columns):
            return
        seen = {}
        for number, row in enumerate(dataset.dict, start=2):
            key = tuple(str(row.get(column) or "").strip() for column in columns)
            if key in seen:
                raise ValueError(
                    f"Rows {seen[key]} and {number}: the same "
                    f"{self._meta.model._meta.verbose_name} "
                    f"twice ({', '.join(columns)} = {', '.join(key)})"
                )
            seen[key] = number

    def before_save_instance(self, instance, row, **kwargs):
        # Bulk saves skip the signal that counts edit versions; count here for them.
        if self._meta.use_bulk:
            instance.edit_version = (instance.edit_version or 0) + 1


class ParentResource(RegisterResource):
    """A register whose rows have a parent of the same register (a processor's, engaged by
    another; a data category's, part of a broader one), written as the parent's natural key.
    The parent may be further down the same file: parents are set after all rows are saved,
    and checked then (unknown keys, loops)."""

    @classmethod
    def parent_key(cls):
        return RELATED_KEY[cls._meta.model]

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._parents = []

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if "parent" in row and self._parent_name(original) != str(row["parent"] or "").strip():
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    @classmethod
    def _parent_name(cls, obj):
        return getattr(obj.parent, cls.parent_key()) if obj and obj.parent_id else ""

    def after_save_instance(self, instance, row, **kwargs):
        if "parent" in row:
            self._parents.append(
                (kwargs.get("row_number"), instance, str(row["parent"] or "").strip())
            )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        model, key = self._meta.model, self.parent_key()
        name_of_model = model._meta.verbose_name
        by_key = {getattr(obj, key): obj for obj in model.objects.all()}
        # A preview saves nothing: rows new in this file are parents all the same.
        by_key.update({getattr(instance, key): instance for _n, instance, _p in self._parents})
        for number, instance, name in self._parents:
            parent = by_key.get(name) if name else None
            if name and parent is None:
                raise ValueError(
                    f"Row {number + 1}, column 'parent': there is no {name_of_model} {name!r}"
                )
            if kwargs.get("dry_run"):
                if parent is instance:
                    raise ValueError(
                        f"Row {number + 1}, column 'parent': a {name_of_model} cannot be its own "
                        "parent."
                    )
                continue
            if instance.parent_id == (parent.pk if parent else None):
                continue  # as it was saved: nothing to check or write again
            instance.parent = parent
            try:
                instance.full_clean()
            except ValidationError as error:
                message = "; ".join(error.messages)
                raise ValueError(f"Row {number + 1}, column 'parent': {message}") from None
            instance.save()

    def dehydrate_parent(self, obj):
        return self._parent_name(obj)


class BulkRegisterResource(RegisterResource):
    """The large registers (cookies, storage items): rows are validated without writing, then
    written together by imports.write_validated(), so the write lock is held only while
    writing. imports.check_rows() checks a file a part at a time (start_parts)."""

    # True once start_parts() has run: the whole file's keys are checked, and the relations
    # found are kept from one part to the next (NaturalKeyLoader reads each part's rows).
    in_parts = False

    def start_parts(self, dataset):
        """Before the first part of `dataset`: forget earlier lookups and refuse a key given
        twice in the file (ValueError); the parts' before_import then does nothing."""
        self.in_parts = True
        self.keys_seen = set()
        super().before_import(dataset)

    def before_import(self, dataset, **kwargs):
        if not self.in_parts:
            super().before_import(dataset, **kwargs)

    def end_part(self):
        """After each part: a dry run keeps every instance in these lists (import-export
        empties them only when it writes)."""
        self.create_instances.clear()
        self.update_instances.clear()
        self.delete_instances.clear()

    def get_bulk_update_fields(self):
        """Model fields an update writes: the retention column stands for four of them."""
        names = ["edit_version", "translation_sources", "translations_to_review"]
        for name, field in self.fields.items():
            if name in self._meta.import_id_fields or not field.attribute:
                continue
            names += list(RETENTION_PARTS) if name == "retention" else [field.attribute]
        return list(dict.fromkeys(names))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Keys are unique by construction (loader plus duplicate check) and the checks are
        # repeated in Python by clean(); skipping the per-row database round trips keeps large
        # imports fast. The database constraints still guard the insert.
        errors = dict(import_validation_errors or {})
        # A relation the natural-key widget resolved holds a row it has just read: Django's
        # validation would ask the database again whether that row exists, one query per row
        # (a sixth of a 10,000-row import).
        resolved = [
            field.name
            for field in instance._meta.concrete_fields
            if field.is_relation
            and field.is_cached(instance)
            and getattr(field.get_cached_value(instance), "pk", None) is not None
        ]
        try:
            instance.full_clean(
                exclude=[*errors.keys(), *resolved],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _import_id(path):
    return path.split("__")[0]


def _field_for(model_field, name, translated):
    if isinstance(model_field, models.ManyToManyField):
        related = model_field.related_model
        return fields.Field(
            attribute=name,
            column_name=name,
            widget=NaturalKeysWidget(related, RELATED_KEY[related]),
        )
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model
        return fields.Field(
            attribute=name, column_name=name, widget=NaturalKeyWidget(related, RELATED_KEY[related])
        )
    if isinstance(model_field, CountryField):
        widget = CountryWidget()
    elif isinstance(model_field, models.BooleanField):
        widget = YesNoWidget()
    elif model_field.choices:
        widget = ChoiceWidget(model_field.choices)
    elif isinstance(model_field, models.DateField):
        widget = IsoDateWidget()
    elif isinstance(model_field, models.IntegerField):
        widget = WholeNumberWidget()
    else:
        widget = TextWidget()
    return fields.Field(attribute=name, column_name=name, widget=widget)


def columns(model, parent_link=None):
    """[(column name, resource field)] of `model`, natural key first."""
    translated = translated_fields(model)
    result = []
    for model_field in content_fields(model, parent_link=None):
        if model_field.name in RETENTION_PARTS:
            if model_field.name == "retention_kind":
                result.append(("retention", RetentionField()))
            continue
        if model_field.name in translated:
            for code in languages():
                name = f"{model_field.name}_{code}"
                if name == RETENTION_NOTE:
                    result.append((name, RetentionNoteField()))
                    continue
                column = _field_for(model._meta.get_field(name), name, translated)
                result.append((name, column))
            continue
        result.append((model_field.name, _field_for(model_field, model_field.name, translated)))
    key_order = [_import_id(path) for path in model.NATURAL_KEY]
    result.sort(
        key=lambda item: key_order.index(item[0]) if item[0] in key_order else len(key_order)
    )
    return result


BULK_MODELS = {register.Cookie, register.StorageItem}
RESOURCE_BASES = {
    register.Cookie: BulkRegisterResource,
    register.StorageItem: BulkRegisterResource,
    register.Processor: ParentResource,
    register.DataCategory: ParentResource,
}
_RESOURCES = {}


def resource_for(model):
    """The resource class of `model` (built once)."""
    if model not in _RESOURCES:
        column_list = columns(model)
        base = RESOURCE_BASES.get(model, RegisterResource)
        meta = type(
            "Meta",
            (),
            {
                "model": model,
                "fields": [name for name, _field in column_list],
                "import_id_fields": [_import_id(path) for path in model.NATURAL_KEY],
                "skip_unchanged": True,
                "report_skipped": True,
                "clean_model_instances": True,
                "use_transactions": True,
                "use_bulk": model in BULK_MODELS,
                "batch_size": 1000,
                "instance_loader_class": NaturalKeyLoader,
                "exclude": sorted(SKIPPED_FIELDS),
            },
        )
        attributes = {"Meta": meta, **dict(column_list)}
        if base is ParentResource:
            # Set after the rows are saved (see ParentResource): no attribute here.
            attributes["parent"] = fields.Field(column_name="parent", widget=TextWidget())
        _RESOURCES[model] = type(f"{model.__name__}Resource", (base,), attributes)
    return _RESOURCES[model]


def model_for(name):
    """The importable model called `name` (lower case model name, e.g. 'cookie')."""
    for model in IMPORTABLE_MODELS:
        if model._meta.model_name == name.lower():
            return model
    return None


def required_columns(model):
    """Columns an import file must have: the natural key and required fields."""
    required = [_import_id(path) for path in model.NATURAL_KEY]
    translated = translated_fields(model)
    for model_field in content_fields(model):
        if model_field.name in required or model_field.name in RETENTION_PARTS:
            continue
        has_default = model_field.has_default() or model_field.null
        if model_field.name in translated:
            if not model_field.blank:
                required.append(f"{model_field.name}_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}")
        elif not model_field.blank and not has_default and not model_field.many_to_many:
            required.append(model_field.name)
    return required
