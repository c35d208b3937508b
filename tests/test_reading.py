"""Reading import files: bounded whatever the file declares, and exactly what was written."""

import codecs
import io
import json
import zipfile

import openpyxl
import pytest
from django.test import override_settings

from compliance import models
from compliance.imports import export_bytes, import_file
from compliance.reading import ImportFailed, escape, read_table, unescape
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["name", "domain", "category"]
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def inline(reference, text):
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(rows_xml, dimension="A1:C2"):
    """A minimal XLSX, written by hand as a hostile or unusual program would."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def header_row():
    return (
        '<row r="1">'
        + "".join(inline(f"{c}1", h) for c, h in zip("ABC", HEADER, strict=True))
        + "</row>"
    )


def cookie_row(number, name):
    cells = inline(f"A{number}", name) + inline(f"C{number}", "necessary")
    return f'<row r="{number}">{cells}</row>'


def test_xlsx_declaring_a_whole_sheet_reads_only_its_real_cells():
    """A 1.5 KB file declaring A1:XFD1048576 is read as the two rows it really has."""
    content = xlsx(header_row() + cookie_row(2, "small"), dimension="A1:XFD1048576")
    assert len(content) < 2000
    headers, rows = read_table(content, "xlsx")
    assert headers == HEADER
    assert rows == [["small", "", "necessary"]]
    import_file("cookie", content, file_format="xlsx")
    assert models.Cookie.objects.get(name="small").category == "necessary"


def test_xlsx_with_a_cell_in_the_last_column_is_refused():
    """A value in column XFD is past the column limit, named with its row."""
    far = '<row r="2">' + inline("A2", "x") + inline("XFD2", "far") + "</row>"
    with pytest.raises(ImportFailed, match="Row 2 has 16,384 columns; the limit is 200"):
        read_table(xlsx(header_row() + far), "xlsx")


def test_xlsx_with_a_cell_in_the_last_row_is_refused():
    """A value in row 1,048,576 is past the row limit, found without reading the rows between."""
    far = cookie_row(1048576, "far")
    with pytest.raises(ImportFailed, match="more than 50,000 data rows"):
        read_table(xlsx(header_row() + cookie_row(2, "a") + far), "xlsx")


@override_settings(IMPORT_MAX_ROWS=50)
def test_row_limit_in_every_format():
    """The row limit holds for CSV, JSON and XLSX alike."""
    csv_content = ("name,domain,category\n" + "x,,necessary\n" * 51).encode()
    json_content = json.dumps([{"name": f"x{n}"} for n in range(51)]).encode()
    rows = header_row() + "".join(cookie_row(n, f"x{n}") for n in range(2, 54))
    for content, file_format in ((csv_content, "csv"), (json_content, "json")):
        with pytest.raises(ImportFailed, match="more than 50 data rows"):
            read_table(content, file_format)
    with pytest.raises(ImportFailed, match="more than 50 data rows"):
        read_table(xlsx(rows), "xlsx")


@override_settings(IMPORT_MAX_CELLS=10)
def test_cell_limit():
    content = ("name,domain,category\n" + "x,,necessary\n" * 4).encode()
    with pytest.raises(ImportFailed, match="more than 10 cells"):
        read_table(content, "csv")


@override_settings(IMPORT_MAX_EXPANDED_BYTES=10_000)
def test_xlsx_that_unpacks_past_the_limit_is_refused():
    """A zip bomb is refused from the sizes the zip declares, before anything is unpacked."""
    padding = "<row/>" * 5000
    content = xlsx(header_row() + cookie_row(2, "x") + padding)
    with pytest.raises(ImportFailed, match="unpacks to .* the limit is 10,000"):
        read_table(content, "xlsx")


def test_formula_without_a_saved_value_is_refused_with_its_cell():
    row = '<row r="2">' + inline("A2", "x") + '<c r="C2"><f>LOWER("NECESSARY")</f></c></row>'
    with pytest.raises(ImportFailed, match="Row 2, column C: a formula without a saved value"):
        read_table(xlsx(header_row() + row), "xlsx")


def test_formula_with_a_saved_value_imports_that_value():
    cell = '<c r="C2" t="str"><f>LOWER("NECESSARY")</f><v>necessary</v></c>'
    row = '<row r="2">' + inline("A2", "x") + cell + "</row>"
    assert read_table(xlsx(header_row() + row), "xlsx")[1] == [["x", "", "necessary"]]


def test_a_column_named_twice_is_refused_in_every_format():
    """Which of the two would win is a guess: refused instead."""
    with pytest.raises(ImportFailed, match="Column 'name' appears columns A and C"):
        read_table(b"name,domain,name\nx,,y\n", "csv")
    header = '<row r="1">' + inline("A1", "name") + inline("B1", "name") + "</row>"
    with pytest.raises(ImportFailed, match="Column 'name' appears columns A and B"):
        read_table(xlsx(header + cookie_row(2, "x")), "xlsx")
    with pytest.raises(ImportFailed, match="names 'name' twice"):
        read_table(b'[{"name": "a", "name": "b"}]', "json")


def test_semicolon_separated_csv_is_read(demo):
    """Excel in Polish, Czech or German saves CSV with semicolons."""
    content = "name;domain;category;purpose_pl\nsemi;;necessary;Cel; z średnikiem\n"
    with pytest.raises(ImportFailed, match="Row 2 has 5 cells but the header has 4"):
        read_table(content.encode(), "csv")
    content = 'name;domain;category;purpose_pl\nsemi;;necessary;"Cel; z średnikiem"\n'
    import_file("cookie", content.encode(), file_format="csv")
    assert models.Cookie.objects.get(name="semi").purpose_pl == "Cel; z średnikiem"


def test_utf16_csv_is_read(demo):
    """Excel's 'Unicode text' is UTF-16 with a BOM."""
    content = "name\tdomain\tcategory\tpurpose_pl\nwide\t\tnecessary\tŻółć\n".encode("utf-16")
    import_file("cookie", content, file_format="csv")
    assert models.Cookie.objects.get(name="wide").purpose_pl == "Żółć"


@pytest.mark.parametrize(
    "text",
    [
        "Zażółć gęślą jaźń",
        "Ślęża, Świdnica, Łódź",
        "Příliš žluťoučký kůň úpěl ďábelské ódy",
        "Šárka a Žofie",
    ],
)
@pytest.mark.parametrize("encoding", ["cp1250", "iso-8859-2"])
def test_single_byte_encodings_are_read_exactly_or_refused(text, encoding):
    """Windows-1250 and ISO-8859-2 differ in letters: never a wrong letter imported."""
    content = f'name,domain,category,purpose_pl\nx,,necessary,"{text}"\n'.encode(encoding)
    try:
        _headers, rows = read_table(content, "csv")
    except ImportFailed as failed:
        assert "save it as UTF-8" in failed.errors[0]
    else:
        assert rows[0][3] == text


def test_polish_windows_1250_file_is_read():
    """The usual case, a Polish Windows-1250 file, is read, not refused."""
    text = "Głównym celem tego pliku jest identyfikacja osób „odwiedzających”."
    content = f"name,domain,category,purpose_pl\nx,,necessary,{text}\n".encode("cp1250")
    assert read_table(content, "csv")[1][0][3] == text


@pytest.mark.parametrize(
    "value",
    [
        "'quoted by a person",
        "'",
        "''",
        "=1+1",
        "'=1+1",
        'x;=HYPERLINK("http://evil")',
        "x,@SUM(A1)",
        "a\t-1",
        "line\n+1",
        'say "=cmd"',
        "-5",
        "plain text; with semicolons, and commas",
    ],
)
def test_escape_then_unescape_is_exact(value):
    """What an export guards, an import restores exactly; nothing else is touched."""
    assert unescape(escape(value)) == value


def test_every_part_a_spreadsheet_may_split_off_is_guarded():
    """Excel in a semicolon locale splits at ';': no part may start a formula."""
    guarded = escape('x;=HYPERLINK("http://evil")')
    assert guarded == 'x;\'=HYPERLINK("http://evil")'
    for part in guarded.replace(",", ";").replace("\t", ";").split(";"):
        assert not part.startswith(("=", "+", "-", "@"))


def test_apostrophe_typed_by_a_person_is_kept(demo):
    """Only the apostrophes exports add are removed on import."""
    content = "name,domain,category,purpose_en\nquote,,necessary,'Tis the season\n"
    import_file("cookie", content.encode(), file_format="csv")
    assert models.Cookie.objects.get(name="quote").purpose_en == "'Tis the season"


def test_semicolon_formula_round_trip_through_csv(demo):
    """A value Excel would split into a formula is exported guarded and imported back as is."""
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    cookie.purpose_en = 'x;=HYPERLINK("http://evil")'
    cookie.save()
    content = export_bytes(models.Cookie, "csv")
    assert b";=HYPERLINK" not in content
    cookie.purpose_en = "changed"
    cookie.save()
    import_file("cookie", content, file_format="csv")
    cookie.refresh_from_db()
    assert cookie.purpose_en == 'x;=HYPERLINK("http://evil")'


def test_deeply_nested_json_is_a_clear_error():
    content = ("[" * 100_000 + "]" * 100_000).encode()
    with pytest.raises(ImportFailed, match="nested too deeply"):
        read_table(content, "json")


def test_json_cell_holding_an_object_names_row_and_column():
    with pytest.raises(ImportFailed, match="Row 3, column 'purpose_en': holds a dict"):
        read_table(b'[{"name": "a"}, {"name": "b", "purpose_en": {"x": 1}}]', "json")


def test_malformed_csv_names_the_line():
    content = b'name,domain,category\n"x,,necessary\n' + b"y" * 200_000 + b"\n"
    with pytest.raises(ImportFailed, match=r"cannot be read at line \d+: .+\."):
        read_table(content, "csv")


def test_xlsx_export_of_a_register_with_control_characters(demo):
    """Text stored before the rule (a vertical tab) no longer breaks the export."""
    processor = models.Processor.objects.order_by("name").first()
    models.Processor.objects.filter(pk=processor.pk).update(name="Vertical\x0bTab s.r.o.")
    content = export_bytes(models.Processor, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Vertical\nTab s.r.o." in names


def test_control_character_in_an_import_is_refused_with_row_and_column():
    factories.ProcessorFactory(name="Smartlook.com, s.r.o.")
    content = b"name,domain,category,purpose_en\nvt,,necessary,line\x0bbreak\n"
    with pytest.raises(ImportFailed, match="Row 2, column 'purpose_en': Contains the invisible"):
        import_file("cookie", content, file_format="csv")
    assert not models.Cookie.objects.filter(name="vt").exists()


@override_settings(IMPORT_MAX_SECONDS=0)
def test_reading_stops_at_the_time_limit():
    """A file that takes too long to read is refused, naming the limit and the row reached."""
    content = ("name,domain,category\n" + "x,,necessary\n" * 600).encode()
    with pytest.raises(
        ImportFailed, match=r"longer than 0 s \(IMPORT_MAX_SECONDS\); stopped at row"
    ):
        read_table(content, "csv")


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_csv_lines_are_split_as_a_file_opened_with_newline_empty(ending):
    """read_csv splits the text itself (io.StringIO would copy it at four bytes a character):
    each line ending a spreadsheet writes, and line breaks inside quoted cells, read as the csv
    module reads them from a file opened with newline=''."""
    import csv

    lines = [
        "name,domain,category",
        'a,"first line\r\nsecond line",necessary',
        'b,"one\ntwo\rthree",statistics',
        "c,,marketing",
    ]
    text = ending.join(lines)  # no ending after the last line
    expected = list(csv.reader(io.StringIO(text, newline="")))
    headers, rows = read_table(text.encode(), "csv")
    assert [headers, *rows] == expected
    assert rows[0][1] == "first line\r\nsecond line"
    headers, rows = read_table((text + ending).encode(), "csv")
    assert [headers, *rows] == expected


def test_repeated_short_cells_are_one_object_and_long_ones_kept_whole():
    rows = [f"cookie_{n},site.example,necessary,{'x' * 50}{n}" for n in range(3)]
    content = "\n".join(["name,domain,category,purpose_en", *rows]).encode()
    _headers, rows = read_table(content, "csv")
    assert rows[0][1] is rows[2][1] and rows[0][2] is rows[1][2]
    assert [row[3] for row in rows] == [f"{'x' * 50}{n}" for n in range(3)]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1250", "iso-8859-2", "mixed"]
)
def test_an_encoding_checked_a_piece_at_a_time_is_judged_as_the_whole(encoding, monkeypatch):
    """The bytes are checked a megabyte at a time (the text is never held whole); pieces of
    three bytes, cutting characters in two, give the same rows or the same refusal, byte
    number included."""
    from compliance import reading

    text = "name,domain,category,purpose_pl\nx,,necessary,Zażółć gęślą jaźń „cytat”\n"
    if encoding == "mixed":  # UTF-8 with one byte of Windows-1250 ("ą" = 0xB9) in it
        content = text.encode("utf-8") + "ą,\n".encode("cp1250")
    elif encoding == "iso-8859-2":
        content = text.replace("„", '"').replace("”", '"').encode(encoding)
    else:
        content = text.encode(encoding)

    def read():
        try:
            return read_table(content, "csv")
        except ImportFailed as failed:
            return failed.errors

    whole = read()
    monkeypatch.setattr(reading, "_CHECKED_AT_ONCE", 3)
    assert read() == whole
    if encoding in ("utf-8", "utf-8-sig", "utf-16", "cp1250"):
        assert whole[1][0][3] == "Zażółć gęślą jaźń „cytat”"


def test_a_byte_not_utf8_after_a_utf8_mark_is_named_by_its_place_in_the_file():
    content = codecs.BOM_UTF8 + b"name,domain,category\nx,,nec\xffessary\n"
    byte = content.index(b"\xff") + 1  # the mark's three bytes counted
    with pytest.raises(ImportFailed, match=f"byte {byte} is not"):
        read_table(content, "csv")


def test_only_the_first_different_texts_are_remembered():
    from compliance.reading import OneObjectEach

    once = OneObjectEach(remembered=2)
    a, b = once("".join(["a", "b"])), once("".join(["c", "d"]))
    assert once("".join(["a", "b"])) is a and once("".join(["c", "d"])) is b
    late = "".join(["e", "f"])
    assert once(late) is late and once("".join(["e", "f"])) is not late  # not remembered
    assert len(once.texts) == 2


@pytest.mark.parametrize("part", ["rows", "shared strings"])
def test_reading_an_xlsx_keeps_no_element_it_has_read(part):
    """Half a million empty rows (or texts) in a file of a few kilobytes: ElementTree keeps
    every element under its parent, cleared or not, unless the reader drops it (they took
    60 MB; three million rows, 375 MB)."""
    import tracemalloc

    from bench.hostile_imports import packed

    def rows():
        yield header_row() + cookie_row(2, "x")
        yield "<row/>" * 500_000

    def strings():
        yield "<si><t>x</t></si>" * 500_000

    content = packed(rows, strings if part == "shared strings" else None)
    assert len(content) < 30_000
    tracemalloc.start()
    try:
        _headers, read = read_table(content, "xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == [["x", "", "necessary"]]
    assert peak < 10 * 2**20, f"{peak / 2**20:.0f} MiB"


def test_json_with_characters_past_the_basic_plane_reads_them_exactly():
    """An emoji (past U+FFFF) is handed to the parser as an escape, so that the file's text
    is not four bytes a character: the cell reads back as written, key and value alike."""
    rows = [{"name": "x", "domain": "", "category": "necessary", "purpose_en": "Cookies 🍪 𝄞"}]
    content = json.dumps(rows, ensure_ascii=False).encode()
    assert b"\xf0" in content
    headers, read = read_table(content, "json")
    assert dict(zip(headers, read[0], strict=True))["purpose_en"] == "Cookies 🍪 𝄞"
    with pytest.raises(ImportFailed, match=r"not valid JSON \(line 2, column"):
        read_table('[{"name": "🍪"},\n {"name" "x"}]'.encode(), "json")
