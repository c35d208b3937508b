"""The whole register in one file: exported, imported into an empty database in dependency
order, atomic, and the same register afterwards (the same snapshot hash)."""

import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from compliance import backup, models, ocd
from compliance.reading import ImportFailed
from compliance.resources import IMPORTABLE_MODELS
from compliance.snapshot import build_snapshot, content_hash

pytestmark = pytest.mark.django_db

OPEN_COOKIE_DATABASE = ocd.LIBRARY_FILE


def empty_register():
    models.Processor.objects.update(parent=None)  # chains are protected against deletion
    models.DataCategory.objects.update(parent=None)
    for model in reversed(IMPORTABLE_MODELS):
        model.objects.all().delete()


def counts():
    return {model.__name__: model.objects.count() for model in IMPORTABLE_MODELS}


@pytest.fixture
def large_register(demo):
    """The demo and the whole Open Cookie Database imported into it."""
    ocd.import_ocd(OPEN_COOKIE_DATABASE.read_bytes())
    assert models.Cookie.objects.count() > 2000
    return content_hash(build_snapshot())


@pytest.mark.parametrize(("file_format", "language"), [("xlsx", "pl"), ("json", "en")])
def test_the_whole_register_survives_export_and_import(large_register, file_format, language):
    content = backup.export_all(file_format, language=language)
    empty_register()
    assert not any(counts().values())
    results = backup.import_all(content, file_format)
    assert [model for model, _result in results] == IMPORTABLE_MODELS
    assert content_hash(build_snapshot()) == large_register


def test_one_sheet_per_register_in_dependency_order(demo):
    book = openpyxl.load_workbook(__import__("io").BytesIO(backup.export_all("xlsx")))
    assert book.sheetnames[:3] == ["Organisation", "Contacts", "Data-subject categories"]
    assert len(book.sheetnames) == len(IMPORTABLE_MODELS)
    assert all(sheet.auto_filter.ref for sheet in book.worksheets)


def test_a_problem_in_the_last_register_writes_nothing(demo):
    document = json.loads(backup.export_all("json"))
    document["registers"]["policyclause"][0]["title_en"] = ""  # required
    empty_register()
    with pytest.raises(ImportFailed) as refusal:
        backup.import_all(json.dumps(document).encode(), "json")
    assert "Sheet 'policyclause': Row 2, column 'title_en'" in " ".join(refusal.value.errors)
    assert not any(counts().values())


def test_a_dry_run_writes_nothing(demo):
    content = backup.export_all("json")
    empty_register()
    results = backup.import_all(content, "json", dry_run=True)
    assert sum(result.totals["new"] for _model, result in results) > 0
    assert not any(counts().values())


@pytest.mark.parametrize(
    ("content", "file_format", "message"),
    [
        (b'{"registers": {}}', "json", 'no "format": "gdpr-register"'),
        (b'{"format": "gdpr-register", "version": 9, "registers": {}}', "json", "version 9"),
        (
            b'{"format": "gdpr-register", "version": 1, "registers": {"secrets": []}}',
            "json",
            "'secrets' is not a register",
        ),
        (b'[{"name": "x"}]', "json", 'no "format"'),
        (b"name\r\nx\r\n", "csv", "Unknown format"),
    ],
)
def test_files_that_are_not_a_whole_register(demo, content, file_format, message):
    before = counts()
    with pytest.raises(ImportFailed) as refusal:
        backup.import_all(content, file_format)
    assert message in " ".join(refusal.value.errors)
    assert counts() == before


def test_a_sheet_that_is_no_register(demo):
    import io

    book = openpyxl.load_workbook(io.BytesIO(backup.export_all("xlsx")))
    book.create_sheet("Notes").append(["anything"])
    output = io.BytesIO()
    book.save(output)
    with pytest.raises(ImportFailed, match="Sheet 'Notes' is not a register"):
        backup.import_all(output.getvalue(), "xlsx")


def test_the_commands(demo, tmp_path, admin_user):
    before = content_hash(build_snapshot())
    path = tmp_path / "register.xlsx"
    call_command("export_register", "all", "-o", str(path), "--language", "de")
    empty_register()
    call_command("import_register", "all", str(path), "--user", admin_user.username)
    assert content_hash(build_snapshot()) == before
    with pytest.raises(CommandError, match="xlsx or json"):
        call_command("export_register", "all", "-o", str(tmp_path / "register.csv"))
