import csv
import io
import json
import zipfile
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from reversion.models import Version

from compliance import models
from compliance.imports import ImportFailed, export_bytes, import_file
from compliance.resources import IMPORTABLE_MODELS
from compliance.snapshot import build_snapshot
from tests import factories

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent / "files"


def dump():
    out = io.StringIO()
    call_command("dumpdata", "compliance", "--natural-foreign", "--natural-primary", stdout=out)
    return out.getvalue()


def smartlook():
    return factories.ProcessorFactory(name="Smartlook.com, s.r.o.")


def import_named(model, name, **kwargs):
    content = (FILES / name).read_bytes()
    return import_file(model, content, file_format=name.rsplit(".", 1)[1], **kwargs)


# --- Columns ---------------------------------------------------------------------------------


def test_cookie_columns_are_what_a_person_reads(demo):
    """Provider by name, one column per language (the retention notes' too), retention as
    words, choices as labels, no ids; a byte-order mark so that Excel reads UTF-8."""
    content = export_bytes(models.Cookie, "csv", language="en")
    assert content.startswith("\ufeff".encode())
    rows = list(__import__("csv").DictReader(io.StringIO(content.decode("utf-8-sig"))))
    header = rows[0].keys()
    assert "id" not in header and "edit_version" not in header
    assert {"description_en", "description_pl", "description_cs", "description_de"} <= set(header)
    assert {f"retention_note_{code}" for code in ("en", "pl", "cs", "de")} <= set(header)
    assert "retention_kind" not in header
    sid = next(row for row in rows if row["name"] == "SL_C_<PROJECT_KEY>_SID")
    assert sid["provider"] == "Smartlook.com, s.r.o."
    assert sid["retention"] == "2 years"
    assert sid["consent_required"] == "yes"
    assert sid["category"] == "Statistics"
    assert next(row for row in rows if row["name"] == "ssupp.visits")["retention"] == "6 months"


@pytest.mark.parametrize("name", ["cookies.csv", "cookies.xlsx", "cookies.json"])
def test_import_each_format(name):
    """CSV, XLSX and JSON import the same cookies, retention words parsed."""
    smartlook()
    result = import_named("cookie", name)
    assert result.totals["new"] == 3
    visits = models.Cookie.objects.get(name="ssupp.visits")
    assert (visits.retention_kind, visits.retention_value, visits.retention_unit) == (
        "duration",
        13,
        "months",
    )
    assert visits.retention_note_en == "after last activity"
    assert visits.retention_display("pl") == "13 miesięcy od ostatniej aktywności"
    assert models.Cookie.objects.get(name="SL_C_<PROJECT_KEY>_SID").provider.name == (
        "Smartlook.com, s.r.o."
    )


def test_importing_twice_changes_nothing():
    """Rows are matched by natural key: a second import leaves every row unchanged."""
    smartlook()
    import_named("cookie", "cookies.csv")
    before = dump()
    result = import_named("cookie", "cookies.csv")
    assert result.totals["skip"] == 3
    assert dump() == before


def test_processor_parent_further_down_the_file():
    """A processor may name as parent one that comes later in the same file."""
    import_named("processor", "processors.csv")
    assert models.Processor.objects.get(name="Sub Hosting GmbH").parent.name == "Hosting s.r.o."


# --- Round trip: export, import into an empty register, export again -------------------------


def fill_every_register(demo_loaded=True):
    parent = factories.ProcessorFactory(name="Hosting s.r.o.", country="CZ")
    child = factories.ProcessorFactory(name="Backup GmbH", parent=parent)
    factories.ProcessingLocationFactory(processor=child, country="AT")
    child.purposes.set(models.Purpose.objects.all())
    child.data_categories.set(models.DataCategory.objects.all())
    factories.CookieFactory(
        name="formula",
        description_en="=1+2",
        description_pl="- zaczyna się od myślnika",
        provider=child,
        retention_value=13,
        retention_note_en="after last activity",
        retention_note_de="nach der letzten Aktivität",
    )
    factories.StorageItemFactory(name="session_thing", storage_type="session_storage")


def cells(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def empty_register():
    models.Processor.objects.update(parent=None)  # chains are protected against deletion
    models.DataCategory.objects.update(parent=None)
    for model in reversed(IMPORTABLE_MODELS):
        model.objects.all().delete()


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_export_import_export_is_identical(demo, file_format):
    """Every register, exported, imported into an empty database and exported again, gives the
    same files (XLSX compared cell by cell: the container embeds timestamps)."""
    fill_every_register()
    first = {model: export_bytes(model, file_format) for model in IMPORTABLE_MODELS}
    before = build_snapshot()
    empty_register()
    assert not models.Cookie.objects.exists()
    for model in IMPORTABLE_MODELS:
        import_file(model._meta.model_name, first[model], file_format=file_format)
    for model in IMPORTABLE_MODELS:
        again = export_bytes(model, file_format)
        if file_format == "xlsx":
            assert cells(again) == cells(first[model]), model
        else:
            assert again == first[model], model
    # The register itself came back whole, every field in every language.
    assert build_snapshot() == before


# --- Formula injection -------------------------------------------------------------------------


def test_exports_neutralise_formulas_and_imports_restore_them():
    """Cells starting with = + - @ get an apostrophe in CSV, where a spreadsheet would run
    them, and importing removes it; XLSX has them as text cells, which never run: no
    apostrophe to see, no formula in the file."""
    factories.CookieFactory(
        name="evil", description_en='=HYPERLINK("x")', purpose_en="+1", purpose_pl="@me"
    )
    csv_text = export_bytes(models.Cookie, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'+1" in csv_text and "'@me" in csv_text
    xlsx = export_bytes(models.Cookie, "xlsx")
    sheet = cells(xlsx)
    description = sheet[1][sheet[0].index("description_en")]
    assert description == '=HYPERLINK("x")'
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    models.Cookie.objects.all().delete()
    import_file("cookie", xlsx, file_format="xlsx")
    assert models.Cookie.objects.get(name="evil").description_en == '=HYPERLINK("x")'
    models.Cookie.objects.all().delete()
    import_file("cookie", csv_text.encode(), file_format="csv")
    cookie = models.Cookie.objects.get(name="evil")
    assert cookie.description_en == '=HYPERLINK("x")'
    assert cookie.purpose_en == "+1"


def test_json_export_is_plain_data():
    """JSON is not opened by spreadsheets: values are exported as they are."""
    factories.CookieFactory(name="evil", description_en="=1+2")
    rows = json.loads(export_bytes(models.Cookie, "json"))
    assert rows[0]["description_en"] == "=1+2"


# --- Bad input: a clear error, and nothing changes --------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("unknown_category.csv", "Row 3, column 'category': 'tasty' is not one of: Necessary"),
        ("unknown_provider.csv", "Row 4, column 'provider': there is no processor 'Nobody Ltd'"),
        ("bad_retention.csv", "Row 2, column 'retention': 'a while' is not a retention"),
        ("wrong_type.csv", "Row 2, column 'consent_required': 'perhaps' is not yes or no"),
        ("duplicate_key.csv", "Rows 2 and 5: the same cookie twice"),
        ("missing_column.csv", "Missing required column: category."),
        ("empty.csv", "The file is empty."),
        ("header_only.csv", "The file has a header row but no data rows."),
        ("truncated.xlsx", "The XLSX file is damaged or truncated"),
        ("not_json.json", "The JSON file is not valid JSON (line 1"),
    ],
)
def test_bad_file_is_refused_and_nothing_changes(demo, name, message):
    """Each broken file stops the whole import with a message naming row, column and problem."""
    before = dump()
    with pytest.raises(ImportFailed) as failed:
        import_named("cookie", name)
    assert any(error.startswith(message) for error in failed.value.errors), failed.value.errors
    assert dump() == before


def test_one_bad_row_stops_every_row(demo):
    """The good rows of a file with one bad row are not written either."""
    models.Cookie.objects.filter(name="ssupp.vid").delete()
    with pytest.raises(ImportFailed):
        import_named("cookie", "unknown_category.csv")
    assert not models.Cookie.objects.filter(name="ssupp.vid").exists()


@pytest.mark.parametrize("name", ["cookies_bom.csv", "cookies_cp1250.csv"])
def test_encodings(name):
    """UTF-8 with a BOM and Windows-1250 files import with their Polish letters intact."""
    smartlook()
    import_named("cookie", name)
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    assert cookie.purpose_pl == "Identyfikacja osób odwiedzających"
    assert cookie.description_pl == "Głównym celem tego pliku jest identyfikacja."


@override_settings(IMPORT_MAX_BYTES=100)
def test_file_over_the_size_limit():
    """A file over the limit is refused before it is read."""
    with pytest.raises(ImportFailed, match="the limit is 100 bytes"):
        import_named("cookie", "cookies.csv")


def test_unknown_column_is_refused():
    """A column the register does not have is named, rather than silently ignored."""
    content = b"name,domain,category,flavour\nx,,necessary,vanilla\n"
    with pytest.raises(ImportFailed, match="Unknown column: flavour"):
        import_file("cookie", content, file_format="csv")


# --- Commands --------------------------------------------------------------------------------


def test_import_command_dry_run_writes_nothing(demo):
    """--dry-run reports what would happen and changes nothing."""
    smartlook_exists = models.Processor.objects.filter(name="Smartlook.com, s.r.o.").exists()
    assert smartlook_exists
    models.Cookie.objects.all().delete()
    out = io.StringIO()
    call_command("import_register", "cookie", str(FILES / "cookies.csv"), "--dry-run", stdout=out)
    assert "Would import 3 rows: 3 new" in out.getvalue()
    assert not models.Cookie.objects.exists()


def test_import_command_error_is_one_line(demo):
    """A refused import exits non-zero with its reasons on one line."""
    with pytest.raises(CommandError) as error:
        call_command("import_register", "cookie", str(FILES / "unknown_provider.csv"))
    assert "\n" not in str(error.value)
    assert "Nobody Ltd" in str(error.value)


def test_export_command_writes_the_file(demo, tmp_path):
    """export_register writes the register in the chosen format."""
    target = tmp_path / "cookies.json"
    call_command(
        "export_register", "cookie", "--format", "json", "-o", str(target), stdout=io.StringIO()
    )
    assert {row["name"] for row in json.loads(target.read_text())} >= {"ssupp.vid", "ssupp.visits"}


def test_import_command_checks_the_users_role(demo, django_user_model):
    """A viewer cannot import; an editor can, and the history records who."""
    from django.contrib.auth.models import Group

    viewer = django_user_model.objects.create_user("viewer_user")
    viewer.groups.add(Group.objects.get(name="viewer"))
    with pytest.raises(CommandError, match="may not import"):
        call_command(
            "import_register", "cookie", str(FILES / "cookies.csv"), "--user", "viewer_user"
        )
    editor = django_user_model.objects.create_user("editor_user")
    editor.groups.add(Group.objects.get(name="editor"))
    models.Cookie.objects.filter(name="ssupp.vid").delete()
    call_command(
        "import_register",
        "cookie",
        str(FILES / "cookies.csv"),
        "--user",
        "editor_user",
        stdout=io.StringIO(),
    )
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    revision = Version.objects.get_for_object(cookie).first().revision
    assert revision.user == editor
    assert revision.comment == "Imported cookies from cookies.csv"


def test_preview_writes_nothing_and_opens_no_transaction(demo):
    """A dry run (the admin's preview) takes no write lock: no transaction, no INSERT or UPDATE,
    yet it reports each row's effect."""
    rows = list(csv.DictReader(io.StringIO(export_bytes(models.Cookie, "csv").decode("utf-8-sig"))))
    changed = next(row for row in rows if row["name"] == "ssupp.vid")
    changed["purpose_en"] = "Changed in the preview only"
    rows.append({**changed, "name": "brand_new"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    content = out.getvalue()
    before = dump()
    with (
        mock.patch.object(
            transaction.Atomic, "__enter__", side_effect=AssertionError("transaction opened")
        ),
        CaptureQueriesContext(connection) as queries,
    ):
        result = import_file("cookie", content.encode(), file_format="csv", dry_run=True)
    statements = {query["sql"].split()[0].upper() for query in queries}
    assert not statements & {"INSERT", "UPDATE", "DELETE", "SAVEPOINT"}
    effects = {row.instance.name: row.import_type for row in result.rows}
    assert effects["brand_new"] == "new" and effects["ssupp.vid"] == "update"
    assert dump() == before


def test_importing_the_demo_export_changes_nothing(demo):
    """Empty translations (stored as NULL) and empty cells are the same: every row unchanged,
    no edit version bumped, no history entry added."""
    versions = dict(models.Cookie.objects.values_list("name", "edit_version"))
    history = Version.objects.count()
    result = import_file("cookie", export_bytes(models.Cookie, "csv"), file_format="csv")
    assert result.totals["update"] == 0 and result.totals["skip"] == len(versions)
    assert dict(models.Cookie.objects.values_list("name", "edit_version")) == versions
    assert Version.objects.count() == history


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_reimporting_the_open_cookie_database_export_changes_nothing(demo, file_format):
    """The issue's case: the whole Open Cookie Database imported, exported, and imported back
    reports every row unchanged and adds no revision (empty translations stored as NULL and
    read back as '' are the same)."""
    from compliance import ocd

    ocd.import_ocd(ocd.LIBRARY_FILE.read_bytes())
    count = models.Cookie.objects.count()
    history = Version.objects.count()
    content = export_bytes(models.Cookie, file_format, language="de")
    result = import_file("cookie", content, file_format=file_format)
    assert result.totals["skip"] == count and result.totals["update"] == 0
    assert Version.objects.count() == history


def export_with_one_change_and_one_new():
    """The cookie export with ssupp.vid's purpose changed and one cookie added, as CSV bytes."""
    rows = list(csv.DictReader(io.StringIO(export_bytes(models.Cookie, "csv").decode("utf-8-sig"))))
    next(row for row in rows if row["name"] == "ssupp.vid")["purpose_en"] = "From the file"
    rows.append({**rows[0], "name": "new_from_file"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_row_changed_between_checking_and_writing_stops_the_import(demo):
    """The large registers are checked without a lock and written after: a row someone saved
    in between is not overwritten, and nothing of the file is written."""
    from compliance.imports import read_dataset, validate, write_validated

    checked = validate(models.Cookie, read_dataset(export_with_one_change_and_one_new(), "csv"))

    cookie = models.Cookie.objects.get(name="ssupp.vid")
    cookie.purpose_en = "Saved by an editor meanwhile"
    cookie.save()
    with pytest.raises(ImportFailed, match="Row .*: this cookie was changed by someone else"):
        write_validated(models.Cookie, checked)
    assert models.Cookie.objects.get(name="ssupp.vid").purpose_en == "Saved by an editor meanwhile"
    assert not models.Cookie.objects.filter(name="new_from_file").exists()


def test_large_register_import_writes_new_and_changed_rows_with_history(demo, admin_user):
    """Validated, then written: new rows created, changed rows updated, versions counted,
    every written row in one history revision attributed to the user."""
    before = models.Cookie.objects.get(name="ssupp.vid").edit_version
    import_file("cookie", export_with_one_change_and_one_new(), file_format="csv", user=admin_user)
    changed = models.Cookie.objects.get(name="ssupp.vid")
    assert changed.purpose_en == "From the file" and changed.edit_version == before + 1
    created = models.Cookie.objects.get(name="new_from_file")
    assert created.edit_version == 1
    for cookie in (changed, created):
        assert Version.objects.get_for_object(cookie).first().revision.user == admin_user


def test_a_bulk_imports_history_is_what_reversion_itself_stores(demo, admin_user):
    """The bulk registers' history is written in batches (imports.save_history), not through
    reversion.create_revision(): one revision for the import, a version per written row, each
    what reversion.add_to_revision() would have stored, in batches smaller than
    the import."""
    import reversion
    from reversion.models import Revision

    revisions = Revision.objects.count()
    import_file("cookie", export_with_one_change_and_one_new(), file_format="csv", user=admin_user)
    assert Revision.objects.count() == revisions + 1
    revision = Revision.objects.latest("pk")
    assert revision.user == admin_user and revision.comment == "Imported cookies"
    written = [version.object for version in revision.version_set.all()]
    assert sorted(cookie.name for cookie in written) == ["new_from_file", "ssupp.vid"]
    for cookie in written:
        ours = Version.objects.get_for_object(cookie).first()
        with reversion.create_revision():
            reversion.add_to_revision(cookie)
        theirs = Version.objects.get_for_object(cookie).first()
        assert theirs.pk != ours.pk
        for field in ("format", "db", "object_id", "object_repr"):
            assert getattr(ours, field) == getattr(theirs, field), field
        # The same fields and values; PostgreSQL's jsonb hands a JSON field's keys back in its
        # own order, so the texts are compared as JSON.
        assert json.loads(ours.serialized_data) == json.loads(theirs.serialized_data)
        assert ours.content_type_id == theirs.content_type_id


def test_a_history_larger_than_a_batch_is_one_revision(demo):
    from reversion.models import Revision

    from compliance.imports import save_history

    cookies = list(models.Cookie.objects.all())
    assert len(cookies) > 2
    revision = save_history(models.Cookie, cookies, comment="Batches", batch_size=2)
    assert revision.version_set.count() == len(cookies)
    assert Revision.objects.filter(comment="Batches").count() == 1
    assert save_history(models.Cookie, [], comment="Nothing") is None


def test_the_preview_names_each_changed_field_with_its_old_and_new_value(demo):
    """A changed row lists its changed columns (choices by label), an unchanged row none."""
    from compliance import import_jobs
    from compliance.imports import read_dataset, validate

    content = export_bytes(models.Cookie, "csv", language="en").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    vid = next(row for row in rows if row["name"] == "ssupp.vid")
    old_purpose = vid["purpose_en"]
    vid["purpose_en"] = "Recognises the visitor"
    vid["consent_required"] = "yes"
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    result = validate(models.Cookie, read_dataset(output.getvalue().encode(), "csv"))
    effects = {key: (effect, changes) for _n, effect, key, changes in import_jobs.effects(result)}
    key = "ssupp.vid /  / necessary"  # name, domain, category
    effect, changes = effects[key]
    assert effect == "update"
    assert ["purpose_en", old_purpose, "Recognises the visitor"] in changes
    assert ["consent_required", "no", "yes"] in changes
    assert len(changes) == 2
    assert all(e == ("skip", []) for k, e in effects.items() if k != key)


def test_a_changed_choice_is_shown_by_its_label(demo):
    from compliance import import_jobs
    from compliance.imports import read_dataset, validate

    content = export_bytes(models.Purpose, "csv", language="pl").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    old = rows[0]["legal_basis"]
    rows[0]["legal_basis"] = "c"  # the code; the preview shows the label
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    with translation.override("pl"):
        result = validate(models.Purpose, read_dataset(output.getvalue().encode(), "csv"))
        [changes] = [c for _n, e, _k, c in import_jobs.effects(result) if e == "update"]
    assert changes == [["legal_basis", old, "Art. 6 ust. 1 lit. c: obowiązek prawny"]]


# --- Large files: cookies and storage items checked a part at a time ------------------------


def cookie_file(rows):
    """CSV bytes of `rows` (dicts with the same keys)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def new_cookies(count, start=0):
    return [
        {"name": f"parted_{n}", "domain": "", "category": "necessary", "purpose_en": f"P {n}"}
        for n in range(start, start + count)
    ]


def database_after(import_rows):
    """The register and its history after `import_rows()`, then rolled back. The versions'
    data without ids: PostgreSQL's sequences do not roll back, so a new row's id differs from
    one run to the next (the register is dumped by natural key)."""

    def without_id(serialized):
        [record] = json.loads(serialized)
        del record["pk"]
        return json.dumps(record, sort_keys=True)

    with transaction.atomic():
        import_rows()
        versions = Version.objects.filter(revision__comment="Imported cookies")
        state = (
            dump(),
            sorted(
                (version.object_repr, without_id(version.serialized_data)) for version in versions
            ),
        )
        transaction.set_rollback(True)
    return state


def test_a_file_checked_in_parts_is_written_as_if_checked_at_once(demo):
    """Parts of two rows (three parts here) give the register, edit versions and history
    that one part gives: rows changed, added and unchanged."""
    content = export_with_one_change_and_one_new()
    assert len(content.splitlines()) == 7  # the header and six rows

    def run():
        import_file("cookie", content, file_format="csv")

    at_once = database_after(run)
    with mock.patch("compliance.imports.PART_ROWS", 2):
        in_parts = database_after(run)
    assert in_parts == at_once
    assert len(at_once[1]) == 2  # the changed row and the new one


def test_problems_in_every_part_are_reported_with_their_rows_and_nothing_is_written(demo):
    rows = new_cookies(7)
    rows[0]["category"] = "sweets"
    rows[5]["category"] = "crumbs"
    before = dump()
    with mock.patch("compliance.imports.PART_ROWS", 2), pytest.raises(ImportFailed) as failed:
        import_file("cookie", cookie_file(rows), file_format="csv")
    [first, second] = [error for error in failed.value.errors if "column 'category'" in error]
    assert first.startswith("Row 2, column 'category': ") and "'sweets'" in first
    assert second.startswith("Row 7, column 'category': ") and "'crumbs'" in second
    assert dump() == before


def test_a_key_given_twice_in_different_parts_is_refused(demo):
    rows = new_cookies(7)
    rows[6]["name"] = rows[1]["name"]
    twice = "Rows 3 and 8: the same cookie twice"
    with mock.patch("compliance.imports.PART_ROWS", 2), pytest.raises(ImportFailed, match=twice):
        import_file("cookie", cookie_file(rows), file_format="csv")


@pytest.mark.parametrize("existing", [True, False], ids=["in the register", "new"])
def test_one_key_spelt_two_ways_is_refused_with_its_row(demo, existing):
    """A category by its code in one row and by its label in another is one cookie twice: it
    is named, rather than found only when the database refuses the second insert."""
    rows = new_cookies(5)
    if existing:
        models.Cookie.objects.create(name="parted_1", category="necessary")
    rows[4] = {**rows[1], "category": "Necessary"}
    before = dump()
    with mock.patch("compliance.imports.PART_ROWS", 2), pytest.raises(ImportFailed) as failed:
        import_file("cookie", cookie_file(rows), file_format="csv")
    assert failed.value.errors == [
        "Row 6: the same cookie as an earlier row (parted_1, , necessary): give each one once"
    ]
    assert dump() == before


def test_progress_counts_the_rows_of_every_part(demo):
    from compliance.imports import read_dataset, validate

    told = []
    with mock.patch("compliance.imports.PART_ROWS", 2):
        validate(
            models.Cookie, read_dataset(cookie_file(new_cookies(5)), "csv"), progress=told.append
        )
    assert told == [1, 2, 3, 4, 5]


def test_checking_in_parts_reads_the_register_once_a_part(demo):
    """No query per row: a preview of twice the rows (and parts) makes one more query a
    part, to read the rows of the register the part may match."""
    models.Cookie.objects.create(name="parted_3", category="necessary")

    def queries(count):
        content = cookie_file(new_cookies(count))
        with CaptureQueriesContext(connection) as captured:
            import_file("cookie", content, file_format="csv", dry_run=True)
        return len(captured)

    with mock.patch("compliance.imports.PART_ROWS", 4):
        assert queries(16) - queries(8) == 2


def test_a_preview_in_parts_names_each_row_and_its_effect(demo):
    from compliance import import_jobs
    from compliance.imports import read_dataset, validate

    models.Cookie.objects.create(name="parted_2", category="necessary", purpose_en="Old")
    with mock.patch("compliance.imports.PART_ROWS", 2):
        result = validate(models.Cookie, read_dataset(cookie_file(new_cookies(4)), "csv"))
    assert [row[:3] for row in import_jobs.effects(result)] == [
        [2, "new", "parted_0 /  / necessary"],
        [3, "new", "parted_1 /  / necessary"],
        [4, "update", "parted_2 /  / necessary"],
        [5, "new", "parted_3 /  / necessary"],
    ]
    assert import_jobs.effects(result)[2][3] == [["purpose_en", "Old", "P 2"]]


def test_a_checked_file_is_kept_compressed_and_read_back_exactly():
    """The rows kept between the preview and the confirmation (import_jobs): packed through
    zlib, read back with their types; rows kept before they were compressed still read."""
    import datetime

    import tablib

    from compliance.imports import pack_dataset, unpack_dataset

    dataset = tablib.Dataset(headers=["name", "purpose_pl", "last_reviewed"])
    rows = [
        ["a", 'Zażółć "gęślą" jaźń,\r\nlinia', datetime.date(2026, 1, 2)],
        ["b", "", datetime.datetime(2026, 1, 2, 3, 4)],
        *[[f"row {n}", "necessary", None] for n in range(2_000)],
    ]
    dataset.extend(rows)
    packed = pack_dataset(dataset)
    assert len(packed) < len(json.dumps(rows, default=str)) / 5
    unpacked = unpack_dataset(packed)
    assert unpacked.headers == dataset.headers
    assert [list(row) for row in unpacked] == rows
    before_compression = json.dumps({"headers": ["name"], "rows": [["x"], ["y"]]}).encode()
    assert list(unpack_dataset(before_compression)) == [("x",), ("y",)]


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_a_json_export_written_a_row_at_a_time_is_what_json_dumps_writes(rows):
    """json_bytes() encodes a row at a time (a 50,000-cookie export held whole took 501 MiB);
    its bytes are json.dumps(rows, indent=2)'s, texts with line breaks, quotes and Polish
    letters included."""
    import tablib

    from compliance.imports import json_bytes

    dataset = tablib.Dataset(headers=["name", "purpose_pl", "count", "empty"])
    for n in range(rows):
        dataset.append([f"c{n}", 'Zażółć "gęślą"\nlinia', n, None])
    records = [dict(zip(dataset.headers, row, strict=True)) for row in dataset]
    expected = (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode()
    assert json_bytes(dataset) == expected
