"""The whole register in one file, to back up, move or seed an instance.

`export_register all -o register.xlsx|json` writes every register (in the order imports need:
what a row refers to comes first), `import_register all FILE` reads them back in that order in
one transaction: every register or none. An XLSX has one sheet per register, named after it
in the export's language (any language's name, or the model's, is read back); a JSON file is
{"format": "gdpr-register", "version": 1, "registers": {"cookie": [rows], ...}} with choices
as codes. Importing never deletes: rows missing from the file stay as they are.
"""

import datetime
import json

import tablib
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from compliance import spreadsheets
from compliance.imports import export_dataset, run_import, sheet_title
from compliance.reading import (
    ImportFailed,
    Limits,
    check_content,
    json_table,
    parse_json,
    read_xlsx_sheets,
)
from compliance.resources import IMPORTABLE_MODELS
from compliance.sanitize import remove_controls

FORMAT = "gdpr-register"
VERSION = 1
FORMATS = ("xlsx", "json")


def _typed_json(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return remove_controls(value)


def export_all(file_format, *, language=None):
    """Every register as one file's bytes (xlsx or json)."""
    if file_format not in FORMATS:
        raise ImportFailed(
            [
                f"The whole register needs one file with several tables: xlsx or json, not "
                f"{file_format!r}."
            ]
        )
    with translation.override(language or translation.get_language()):
        if file_format == "xlsx":
            sheets = []
            for model in IMPORTABLE_MODELS:
                dataset = export_dataset(model, choice_labels=True, typed=True)
                sheets.append((sheet_title(model), dataset.headers, list(dataset)))
            return spreadsheets.xlsx_bytes(sheets)
        registers = {}
        for model in IMPORTABLE_MODELS:
            dataset = export_dataset(model)
            registers[model._meta.model_name] = [
                dict(zip(dataset.headers, [_typed_json(cell) for cell in row], strict=True))
                for row in dataset
            ]
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "registers": registers,
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def sheet_names():
    """{casefolded name: model}: each register's model name and its sheet's name in every
    configured language."""
    names = {}
    for model in IMPORTABLE_MODELS:
        names[model._meta.model_name] = model
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names[spreadsheets.sheet_name(sheet_title(model)).casefold()] = model
    return names


def read_all(content, file_format):
    """[(model, Dataset)] of a whole-register file, in import order; registers the file does
    not have are left out."""
    limits = Limits()
    check_content(content, limits)
    tables = {}
    if file_format == "xlsx":
        names = sheet_names()
        for name, headers, rows in read_xlsx_sheets(content, limits):
            model = names.get(spreadsheets.sheet_name(name).casefold())
            if model is None:
                raise ImportFailed(
                    [
                        f"Sheet {name!r} is not a register. Sheets are named after registers, "
                        "as the export names them (e.g. Cookies) or by model (cookie)."
                    ]
                )
            if model in tables:
                raise ImportFailed(
                    [f"Sheet {name!r}: the {model._meta.verbose_name_plural} twice."]
                )
            tables[model] = (name, headers, rows)
    elif file_format == "json":
        document = parse_json(content)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ImportFailed(
                [f'The JSON file is not a whole register: it has no "format": "{FORMAT}".']
            )
        if document.get("version") != VERSION:
            raise ImportFailed(
                [
                    f"The file is version {document.get('version')!r}; this product reads "
                    f"version {VERSION}."
                ]
            )
        registers = document.get("registers")
        if not isinstance(registers, dict):
            raise ImportFailed(['The JSON file has no "registers" object.'])
        known = {model._meta.model_name: model for model in IMPORTABLE_MODELS}
        for name, rows in registers.items():
            if name not in known:
                raise ImportFailed([f"{name!r} is not a register: use {', '.join(known)}."])
            try:
                headers, values = json_table(rows, limits)
            except ImportFailed as failed:
                raise ImportFailed([f"Register {name!r}: {e}" for e in failed.errors]) from None
            tables[known[name]] = (name, headers, values)
    else:
        raise ImportFailed([f"Unknown format {file_format!r}: use xlsx or json."])
    result = []
    for model in IMPORTABLE_MODELS:
        if model in tables and tables[model][1]:
            name, headers, rows = tables[model]
            dataset = tablib.Dataset(headers=headers)
            dataset.extend(rows)
            result.append((name, model, dataset))
    if not result:
        raise ImportFailed(["The file has no register with rows."])
    return result


def import_all(content, file_format, *, user=None, dry_run=False, source=""):
    """Import every register of a whole-register file: all or nothing. Returns
    [(model, Result)]. A dry run imports inside the transaction and rolls it back, as later
    registers refer to rows of earlier ones."""
    tables = read_all(content, file_format)
    results = []
    with transaction.atomic():
        for name, model, dataset in tables:
            try:
                results.append((model, run_import(model, dataset, user=user, source=source)))
            except ImportFailed as failed:
                raise ImportFailed(
                    [f"Sheet {name!r}: {error}" for error in failed.errors]
                    + ["Nothing was imported."]
                ) from None
        if dry_run:
            transaction.set_rollback(True)
    return results
