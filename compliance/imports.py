"""Reading, importing and exporting register files: the one path the admin and the commands share.

An import either writes every row or nothing: any problem in any row stops it, and the
messages name the row (counted as a spreadsheet does, the header being row 1), the column and
the problem.

Files are read by reading.py (streaming, bounded, exactly as written) and written by
spreadsheets.py: CSV exports neutralise spreadsheet formulas (reading.escape: an apostrophe
before = + - @ at the start of a cell and after every separator a spreadsheet may split it
at), which imports remove again; XLSX exports write texts as text cells, which never run.
"""

import collections
import datetime
import json
import pickle
import zlib

import reversion
import tablib
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import IntegrityError, router, transaction
from django.db.models.base import ModelState
from django.utils import timezone, translation
from import_export.results import RowResult
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from compliance import spreadsheets
from compliance.reading import FORMATS, ImportFailed, OneObjectEach, read_table
from compliance.resources import BULK_MODELS, model_for, required_columns, resource_for
from compliance.sanitize import remove_controls

NON_FIELD = "__all__"


def format_of(filename, requested=None):
    """The format named, or the one the file name's extension gives."""
    if requested:
        return requested.lower()
    extension = str(filename).rsplit(".", 1)[-1].lower() if "." in str(filename) else ""
    if extension in FORMATS:
        return extension
    raise ImportFailed([f"Cannot tell the format of {filename!r}: name it .csv, .xlsx or .json."])


def read_dataset(content, file_format):
    """A tablib Dataset from the bytes of an uploaded or named file (see reading.py)."""
    headers, rows = read_table(content, file_format)
    if not headers:
        raise ImportFailed(["The file has no header row."])
    if not rows:
        raise ImportFailed(["The file has a header row but no data rows."])
    dataset = tablib.Dataset(headers=headers)
    dataset.extend(rows)
    return dataset


def pack_dataset(dataset):
    """A read file's rows as bytes to keep between the admin's preview and its confirmation,
    so that the file is parsed once; dates keep their type (an XLSX date cell). JSON, written
    a row at a time through zlib: the rows of bench/import_scale.py's 50,000-row file pack into
    1 MB, never held as one text (its 18 MB of JSON, as a text and as bytes, were the peak of
    the check)."""

    def cell(value):
        if isinstance(value, datetime.datetime):
            return {"$datetime": value.isoformat()}
        if isinstance(value, datetime.date):
            return {"$date": value.isoformat()}
        return value

    compressor = zlib.compressobj(level=1)
    packed = [
        compressor.compress(f'{{"headers": {json.dumps(dataset.headers)}, "rows": ['.encode())
    ]
    for number, row in enumerate(dataset):
        text = json.dumps([cell(value) for value in row], ensure_ascii=False)
        packed.append(compressor.compress(f"{',' if number else ''}{text}".encode()))
    packed += [compressor.compress(b"]}"), compressor.flush()]
    return b"".join(packed)


def unpack_dataset(content):
    """The Dataset pack_dataset() kept. The rows are let go as they are copied into it, and a
    short value that repeats (a category, "yes") is one object: unpacking a 50,000-row file
    would otherwise hold it twice over (some 40 MB)."""

    def cell(value):
        if isinstance(value, dict) and "$datetime" in value:
            return datetime.datetime.fromisoformat(value["$datetime"])
        if isinstance(value, dict) and "$date" in value:
            return datetime.date.fromisoformat(value["$date"])
        return once(value)

    once = OneObjectEach()
    # Checks kept before the rows were compressed (the same JSON) start with "{".
    packed = json.loads(content if content[:1] == b"{" else zlib.decompress(content))
    dataset = tablib.Dataset(headers=packed["headers"])
    rows = packed.pop("rows")
    rows.reverse()  # taken from the end, the first row first
    while rows:
        dataset.append([cell(value) for value in rows.pop()])
    return dataset


def check_columns(model, dataset):
    missing = [column for column in required_columns(model) if column not in dataset.headers]
    if missing:
        raise ImportFailed(
            [f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}."]
        )
    resource = resource_for(model)()
    known = {field.column_name for field in resource.get_import_fields()}
    unknown = [header for header in dataset.headers if header not in known]
    if unknown:
        raise ImportFailed(
            [f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."]
        )


def _column_of(resource, attribute):
    if attribute == NON_FIELD:
        return None
    for field in resource.get_import_fields():
        if field.attribute == attribute or field.column_name == attribute:
            return field.column_name
    if attribute.startswith("retention_") and "retention" in resource.fields:
        return "retention"
    return attribute


def errors_of(resource, result, *, rows_before=0):
    """One message per problem: 'Row 3, column 'category': ...'. `rows_before`: the data rows
    of the file before those of `result` (a part of it, see check_rows)."""
    messages = []
    for error in result.base_errors:
        messages.append(str(error.error))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            messages.append(f"Row {rows_before + number + 1}: {error.error}")
    for invalid in result.invalid_rows:
        for attribute, problems in invalid.error_dict.items():
            column = _column_of(resource, attribute)
            number = rows_before + invalid.number + 1
            where = f"Row {number}" + (f", column {column!r}" if column else "")
            for problem in problems:
                messages.append(f"{where}: {problem}")
    return messages


def summary_of(result):
    totals = result.totals
    return {
        "new": totals.get("new", 0),
        "update": totals.get("update", 0),
        "skip": totals.get("skip", 0),
        "total": result.total_rows,
    }


def _checked(resource, dataset, user):
    """The import-export Result of a dry run of `dataset`, each row's instance kept.
    import_data() always wraps a dry run in a transaction that it rolls back;
    import_data_inner() without one validates the rows and skips every save."""
    return resource.import_data_inner(
        dataset,
        dry_run=True,
        raise_errors=False,
        using_transactions=False,
        collect_failed_rows=False,
        retain_instance_in_row_result=True,
        user=user,
    )


# Rows of a large register's file checked at a time (check_rows).
PART_ROWS = 1000


class CheckedRow:
    """A row check_rows() found good: its spreadsheet row number, its effect (new, update,
    skip), the changes a preview shows, and the validated instance folded (its attributes
    pickled: about 600 bytes for a cookie in four languages, where the instance takes 2.5 KB
    and its values as Python objects 1.6 KB), unfolded for the write and the preview by
    `instance`. Only what this process validated is ever unpickled."""

    __slots__ = (
        "number",
        "import_type",
        "changes",
        "_model",
        "_names",
        "_values",
        "_adding",
        "_related",
    )

    def __init__(self, number, row_result, model, shared_names):
        self.number = number
        self.import_type = row_result.import_type
        self.changes = getattr(row_result, "changes", None)
        self._model = model
        attributes = dict(vars(row_result.instance))
        state = attributes.pop("_state")
        names = tuple(attributes)
        self._names = shared_names.setdefault(names, names)
        self._values = pickle.dumps(tuple(attributes.values()), protocol=pickle.HIGHEST_PROTOCOL)
        # Relations found by natural key (a cookie's provider): the history's natural keys
        # and the preview's names read them without a query.
        self._related = tuple(state.fields_cache.items()) if state.fields_cache else ()
        self._adding = state.adding

    @property
    def instance(self):
        """The instance as it was validated (a new object at each call)."""
        instance = self._model.__new__(self._model)
        instance.__dict__.update(zip(self._names, pickle.loads(self._values), strict=True))
        instance._state = ModelState()
        instance._state.adding = self._adding
        instance._state.fields_cache = dict(self._related)
        return instance


class CheckedRows:
    """What check_rows() found: every row (`rows`) and the count of each effect (`totals`),
    as an import-export Result gives them."""

    def __init__(self, total_rows):
        self.total_rows = total_rows
        self.rows = []
        self.totals = collections.Counter()

    def has_errors(self):
        return False  # check_rows() raises instead


def check_rows(model, dataset, *, user=None, progress=None):
    """validate() for the large registers (cookies, storage items), PART_ROWS rows at a time:
    the file's rows are let go as they are checked and each good row is kept folded
    (CheckedRow), so a 50,000-row import stays within a few hundred megabytes. Every row is
    still checked, and every problem reported, before anything is written. Consumes
    `dataset` (its rows are removed as they are checked)."""
    check_columns(model, dataset)
    resource = resource_for(model)()
    problems = []
    try:
        resource.start_parts(dataset)
    except ValueError as error:
        problems.append(str(error))
    checked = CheckedRows(len(dataset))
    shared_names = {}
    rows_before = 0
    while len(dataset):
        part = tablib.Dataset(*dataset[:PART_ROWS], headers=dataset.headers)
        del dataset[:PART_ROWS]
        if progress is not None:
            resource.progress = lambda rows_done, before=rows_before: progress(before + rows_done)
        result = _checked(resource, part, user)
        resource.end_part()
        problems += errors_of(resource, result, rows_before=rows_before)
        for row_result in result.rows:
            checked.totals[row_result.import_type] += 1
        if not problems:  # once the file is refused, only its problems are still wanted
            checked.rows += [
                CheckedRow(rows_before + number, row_result, model, shared_names)
                for number, row_result in enumerate(result.rows, start=2)
            ]
        rows_before += len(part)
        del part, result
    if problems:
        raise ImportFailed(problems)
    return checked


def validate(model, dataset, *, user=None, progress=None):
    """Every row of `dataset` loaded, compared and validated as the import would, writing
    nothing and opening no transaction, so no write lock is taken (on SQLite, editors keep
    saving meanwhile). Returns each row's effect and instance (an import-export Result, or
    CheckedRows for the large registers, whose `dataset` is consumed: check_rows), or
    raises ImportFailed with every problem found. `progress`, if given, is called with the
    number of rows checked so far after each row."""
    if model in BULK_MODELS:
        return check_rows(model, dataset, user=user, progress=progress)
    check_columns(model, dataset)
    resource = resource_for(model)()
    resource.progress = progress
    result = _checked(resource, dataset, user)
    errors = errors_of(resource, result)
    if errors:
        raise ImportFailed(errors)
    return result


def _comment(model, source):
    imported = f"Imported {model._meta.verbose_name_plural}"
    return f"{imported} from {source}" if source else imported


def _revision(model, user, source):
    if user is not None:
        reversion.set_user(user)
    reversion.set_comment(_comment(model, source))


def start_history(*, user=None, comment=""):
    """The revision add_history() adds versions to."""
    return Revision.objects.create(date_created=timezone.now(), user=user, comment=comment)


def add_history(revision, model, instances):
    """A version of each of `instances` (saved rows of `model`) in `revision`, stored exactly
    as reversion.add_to_revision() stores them (its registration's fields and format), in one
    INSERT. Inside reversion.create_revision(), every version of a 50,000-row import was held
    in memory until the end (about 5 KB a row) and the revision's table of versions was copied
    at each row added (time growing with the square of the rows). Call it inside the import's
    transaction: the rows and their history are written together or not at all."""
    # The registration's options (fields, format, id field) are only reachable through this
    # private accessor; reading them keeps our versions what reversion's own would be.
    options = _get_options(model)
    if options.follow:  # not the case of the bulk registers; reversion would add those too
        raise ValueError(f"{model.__name__} follows relations: use reversion.create_revision().")
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    model_db = router.db_for_write(model)
    Version.objects.bulk_create(
        Version(
            revision=revision,
            content_type=content_type,
            object_id=str(getattr(instance, options.object_id_field)),
            db=model_db,
            format=options.format,
            serialized_data=serializers.serialize(
                options.format,
                (instance,),
                fields=options.fields,
                use_natural_foreign_keys=options.use_natural_foreign_keys,
            ),
            object_repr=str(instance),
        )
        for instance in instances
    )


def save_history(model, instances, *, user=None, comment="", batch_size=1000):
    """One django-reversion revision with a version of each of `instances`, written
    `batch_size` versions at a time (add_history). None when there is nothing to keep."""
    if not instances:
        return None
    revision = start_history(user=user, comment=comment)
    for start in range(0, len(instances), batch_size):
        add_history(revision, model, instances[start : start + batch_size])
    return revision


def write_validated(model, checked, *, user=None, source=""):
    """Write what validate() found (CheckedRows) in one short transaction, PART_ROWS rows at
    a time: new rows in bulk, changed rows one UPDATE each, every row written into one
    history revision. A row someone else changed since it was validated (its edit version
    moved on) or a key someone else added stops the import, and nothing is written."""
    resource = resource_for(model)()
    fields = resource.get_bulk_update_fields()
    manager = model._default_manager
    to_write = [
        row
        for row in checked.rows
        if row.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE)
    ]
    name = model._meta.verbose_name
    try:
        with transaction.atomic():
            revision = None
            for start in range(0, len(to_write), PART_ROWS):
                new, changed = [], []
                for row in to_write[start : start + PART_ROWS]:
                    instance = row.instance
                    if row.import_type == RowResult.IMPORT_TYPE_NEW:
                        new.append(instance)
                        continue
                    changed.append(instance)
                    # validate() counted the version up by one from what it read.
                    written = manager.filter(
                        pk=instance.pk, edit_version=instance.edit_version - 1
                    ).update(**{field: getattr(instance, field) for field in fields})
                    if not written:
                        raise ImportFailed(
                            [
                                f"Row {row.number}: this {name} was changed by someone else "
                                "while the file was being checked. Nothing was imported: "
                                "import it again."
                            ]
                        )
                manager.bulk_create(new)
                revision = revision or start_history(user=user, comment=_comment(model, source))
                add_history(revision, model, changed + new)
    except IntegrityError:
        raise ImportFailed(
            [
                f"Someone else added a {name} with the same key as a new row of the file while "
                "it was being checked. Nothing was imported: import it again."
            ]
        ) from None
    return checked


def run_import(model, dataset, *, user=None, dry_run=False, source="", progress=None):
    """Import `dataset` into `model`'s register: all rows or none.

    Returns the import-export Result (rows with their effect, for a preview). Raises
    ImportFailed with every problem found; then nothing has been written. A dry run (the
    preview) is validate() alone: it writes nothing and takes no lock. The large registers
    (cookies, storage items) are validated the same way first and then written in one short
    transaction; the others, small, are imported row by row in one transaction. `progress` is
    told the number of rows checked so far (validate), where rows are checked before writing.
    """
    if dry_run:
        return validate(model, dataset, user=user, progress=progress)
    if model in BULK_MODELS:
        checked = check_rows(model, dataset, user=user, progress=progress)
        return write_validated(model, checked, user=user, source=source)
    check_columns(model, dataset)
    resource = resource_for(model)()
    with transaction.atomic(), reversion.create_revision():
        _revision(model, user, source)
        result = resource.import_data(
            dataset,
            dry_run=False,
            raise_errors=False,
            use_transactions=True,
            retain_instance_in_row_result=True,
            user=user,
        )
        errors = errors_of(resource, result)
        if errors:
            transaction.set_rollback(True)
            raise ImportFailed(errors)
    return result


def import_file(model_name, content, *, file_format, user=None, dry_run=False, source=""):
    """Read and import a file's bytes; see run_import."""
    model = model_for(model_name)
    if model is None:
        raise ImportFailed([f"Unknown register {model_name!r}."])
    dataset = read_dataset(content, file_format)
    del content  # the file's bytes (up to IMPORT_MAX_BYTES), unless the caller keeps them
    return run_import(model, dataset, user=user, dry_run=dry_run, source=source)


def export_dataset(model, queryset=None, **render):
    """The register (or `queryset`'s rows) as a Dataset; `render` goes to the widgets
    (choice_labels: choices as labels; typed: dates, yes/no and numbers as values)."""
    resource = resource_for(model)()
    if queryset is not None:
        # A changelist's rows, with the relations the columns need read alongside.
        queryset = resource.get_queryset().filter(pk__in=queryset.values("pk"))
    return resource.export(queryset=queryset, **render)


def sheet_title(model):
    """A register's name as a sheet's name, in the active language ("Cookies")."""
    return str(model._meta.verbose_name_plural)


def json_bytes(dataset):
    """The rows as a JSON list of objects, byte for byte what json.dumps(rows, indent=2)
    writes (and a newline), encoded a row at a time: a 50,000-cookie export held as a list of
    dicts and then as one text took 501 MiB."""
    if not len(dataset):
        return b"[]\n"
    parts = []
    for number, row in enumerate(dataset):
        cells = dict(zip(dataset.headers, [remove_controls(cell) for cell in row], strict=True))
        # A JSON text has no line break but those of its indentation: each is indented one
        # level more, as inside the list.
        text = json.dumps(cells, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        parts.append(f"{',' if number else '['}\n  {text}".encode())
    parts.append(b"\n]\n")
    return b"".join(parts)


def export_bytes(model, file_format, queryset=None, *, language=None, bom=True):
    """The register (or `queryset`) as a file's bytes. Spreadsheets (CSV, XLSX) give choices
    as labels in `language` (the active one when None) and JSON their codes; see
    spreadsheets.py for what each format does about formulas."""
    if file_format not in FORMATS:
        raise ImportFailed([f"Unknown format {file_format!r}: use csv, xlsx or json."])
    with translation.override(language or translation.get_language()):
        if file_format == "json":
            return json_bytes(export_dataset(model, queryset))
        typed = file_format == "xlsx"
        dataset = export_dataset(model, queryset, choice_labels=True, typed=typed)
        if file_format == "csv":
            return spreadsheets.csv_bytes(dataset.headers, dataset, bom=bom)
        return spreadsheets.xlsx_bytes([(sheet_title(model), dataset.headers, list(dataset))])
