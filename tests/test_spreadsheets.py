"""Spreadsheets a legal team can work with: named sheets, typed cells, an autofilter, choices
as labels in a chosen language (read back in any language or as codes), the formula guard
only in CSV, a BOM on CSV, and every translated column in every language."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command

from compliance import models
from compliance.imports import export_bytes, import_file
from compliance.resources import IMPORTABLE_MODELS, ChoiceWidget, resource_for
from compliance.snapshot import build_snapshot, content_hash, translated_fields
from compliance.spreadsheets import sheet_name
from tests import factories

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "pl", "cs", "de")


def workbook(content):
    return openpyxl.load_workbook(io.BytesIO(content))


def test_xlsx_sheet_is_named_typed_and_filtered(demo):
    models.Cookie.objects.filter(name="ssupp.vid").update(last_reviewed=datetime.date(2026, 3, 1))
    book = workbook(export_bytes(models.Cookie, "xlsx", language="pl"))
    [sheet] = book.worksheets
    assert sheet.title == "Pliki cookie" != "Tablib Dataset"
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    assert all(cell.font.b for cell in rows[0])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{len(rows)}"
    vid = next(row for row in rows[1:] if row[0].value == "ssupp.vid")
    cell = dict(zip(header, vid, strict=True))
    assert cell["consent_required"].data_type == "b" and cell["consent_required"].value is False
    assert cell["last_reviewed"].is_date and cell["last_reviewed"].number_format == "yyyy-mm-dd"
    assert cell["category"].value == "Niezbędne"  # the label, in the export's language
    assert cell["name"].data_type == "s"


def test_every_register_has_every_translated_column(demo):
    for model in IMPORTABLE_MODELS:
        header = workbook(export_bytes(model, "xlsx")).worksheets[0][1]
        columns = {cell.value for cell in header}
        for field in translated_fields(model):
            for language in LANGUAGES:
                assert f"{field}_{language}" in columns, (model.__name__, field, language)


def test_no_two_choices_share_a_label_in_any_language():
    """Labels are read back in any language: none may name two different choices."""
    for model in IMPORTABLE_MODELS:
        for name, field in resource_for(model).fields.items():
            if isinstance(field.widget, ChoiceWidget):
                lookup = field.widget.lookup()
                codes = {code for code, _label in field.widget.choices}
                assert codes <= set(lookup.values()), (model.__name__, name)
                for code in codes:
                    assert lookup[code.casefold()] == code


@pytest.mark.parametrize("language", LANGUAGES)
def test_labels_in_any_language_and_codes_import(demo, language):
    """An export in one language imports back unchanged, whatever the importer's language."""
    before = content_hash(build_snapshot())
    for model in (models.Cookie, models.StorageItem, models.Purpose, models.Processor):
        content = export_bytes(model, "xlsx", language=language)
        result = import_file(model._meta.model_name, content, file_format="xlsx")
        assert result.totals["new"] == 0 and not result.has_errors(), model
    assert content_hash(build_snapshot()) == before


def test_a_typed_row_with_labels_codes_and_cells(demo):
    """A person's own sheet: a German label, a code, a real yes/no cell and a date cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "domain", "category", "consent_required", "last_reviewed", "retention"])
    sheet.append(["new_de", "", "Statistik", True, datetime.date(2026, 5, 4), "1 year"])
    sheet.append(["new_code", "", "MARKETING", False, None, "session"])
    output = io.BytesIO()
    book.save(output)
    import_file("cookie", output.getvalue(), file_format="xlsx")
    new_de = models.Cookie.objects.get(name="new_de")
    assert (new_de.category, new_de.consent_required, new_de.last_reviewed) == (
        "statistics",
        True,
        datetime.date(2026, 5, 4),
    )
    assert models.Cookie.objects.get(name="new_code").category == "marketing"


def test_an_unknown_label_names_the_choices(demo):
    from compliance.reading import ImportFailed

    with pytest.raises(ImportFailed) as refusal:
        import_file("cookie", b"name,domain,category\r\nx,,Leckerli\r\n", file_format="csv")
    assert "Row 2, column 'category': 'Leckerli' is not one of: Necessary (necessary)" in str(
        refusal.value.errors
    )


def test_csv_has_a_bom_unless_told(demo, tmp_path):
    assert export_bytes(models.Cookie, "csv").startswith(b"\xef\xbb\xbf")
    plain = tmp_path / "cookies.csv"
    call_command("export_register", "cookie", "-o", str(plain), "--no-bom", "--language", "cs")
    content = plain.read_bytes()
    assert not content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert {row["category"] for row in rows} >= {"Nezbytné"}


def test_retention_note_has_its_own_column_and_old_files_still_import(demo):
    factories.CookieFactory(
        name="noted",
        retention_kind="duration",
        retention_value=13,
        retention_unit="months",
        retention_note_en="after last activity",
    )
    rows = list(csv.DictReader(io.StringIO(export_bytes(models.Cookie, "csv").decode("utf-8-sig"))))
    noted = next(row for row in rows if row["name"] == "noted")
    assert (noted["retention"], noted["retention_note_en"]) == ("13 months", "after last activity")
    # The earlier layout: the note after the words, no retention_note_en column.
    import_file(
        "cookie",
        b"name,domain,category,retention\r\nolder,,necessary,2 years after the last visit\r\n",
        file_format="csv",
    )
    older = models.Cookie.objects.get(name="older")
    assert (older.retention_value, older.retention_note_en) == (2, "after the last visit")


def test_sheet_names_are_what_excel_accepts():
    assert sheet_name("technical and organisational measures") == "Technical and organisational"
    assert sheet_name("a/b:c*d?[e]") == "A b c d e"
    assert len(sheet_name("x" * 40)) == 31


def test_the_admin_exports_labels_in_the_editors_language(admin_client, demo, settings):
    from django.urls import reverse

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = admin_client.get(reverse("admin:compliance_cookie_export"), {"format": "xlsx"})
    [sheet] = workbook(response.content).worksheets
    assert sheet.title == "Cookies"
    header = [cell.value for cell in sheet[1]]
    categories = {
        row[header.index("category")] for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert "Notwendig" in categories and "necessary" not in categories


def test_a_text_longer_than_an_xlsx_cell_is_refused_not_cut(admin_client, demo, settings):
    from django.urls import reverse

    from compliance.reading import ImportFailed

    models.Cookie.objects.filter(name="ssupp.vid").update(description_en="x" * 40000)
    with pytest.raises(ImportFailed, match="40,000 characters, more than the 32,767"):
        export_bytes(models.Cookie, "xlsx", language="en")
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin_client.get(
        reverse("admin:compliance_cookie_export"), {"format": "xlsx"}, follow=True
    )
    assert "more than the 32,767 an XLSX cell holds" in response.content.decode()
    # CSV and JSON keep every character.
    assert b"x" * 40000 in export_bytes(models.Cookie, "csv")


@pytest.mark.parametrize(("word", "value"), [("tak", True), ("ne", False), ("Ja", True)])
def test_yes_and_no_in_every_language(demo, word, value):
    import_file(
        "cookie",
        f"name,domain,category,consent_required\r\nw,,marketing,{word}\r\n".encode(),
        file_format="csv",
    )
    assert models.Cookie.objects.get(name="w").consent_required is value


@pytest.mark.parametrize("bom", [True, False])
def test_csv_bytes_are_the_csv_modules_text_encoded(bom):
    """csv_bytes() encodes as it writes; its bytes are those of the csv module's text (line
    breaks inside cells, quotes, Polish letters, an emoji, a guarded formula), with the mark."""
    import csv
    import io

    from compliance.reading import escape
    from compliance.spreadsheets import csv_bytes

    headers = ["name", "purpose_pl"]
    rows = [("a", 'Zażółć "gęślą"\nlinia 🍪'), ("=1+1", None), ("c", 3)]
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([escape("" if value is None else str(value)) for value in row])
    assert csv_bytes(headers, rows, bom=bom) == (
        ("\ufeff" if bom else "") + expected.getvalue()
    ).encode("utf-8")
