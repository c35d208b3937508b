"""Reading import files safely: streaming, bounded, and exactly as written.

Every format is read row by row under the same limits (rows, columns, cells, the expanded size
of an XLSX and the time taken), so that a small hostile file cannot take the server's memory or
time: a 1.5 KB XLSX may declare a million rows by sixteen thousand columns. A file past a
limit is refused with a message naming the limit and where it was reached.

What is read is what the person wrote, or the file is refused:
- text: UTF-8 (with or without BOM), UTF-16 with its BOM, else Windows-1250 or ISO-8859-2,
  which differ in a dozen Polish and Czech letters: where the two would read the file
  differently and both give plausible text, the file is refused rather than guessed;
- CSV: comma, semicolon (Excel's default in Polish, Czech and German) or tab, as the header
  line shows;
- XLSX: the first sheet; a formula cell imports as the value the spreadsheet computed and
  saved with it, and one without a saved value is refused;
- a column named twice is refused, in every format;
- cells that exports protected from spreadsheets (see `escape`) are restored.
"""

import codecs
import csv
import io
import json
import posixpath
import re
import time
import unicodedata
import zipfile
from xml.etree import ElementTree

from django.conf import settings

from compliance.sanitize import remove_controls

FORMATS = ("csv", "xlsx", "json")


class ImportFailed(Exception):
    """The file or some of its rows cannot be imported; nothing was written."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(" ".join(self.errors))


# --- Spreadsheet formulas ------------------------------------------------------------------

# A spreadsheet runs a cell as a formula when it starts with one of these. A CSV opened in a
# locale whose list separator is ';' (Polish, Czech, German Excel) splits a cell at ';' (or ','
# or a tab or a line break, or a stray quote), so every part that could become a cell of its
# own is guarded: an apostrophe goes before the formula character, at the start of the cell
# and after each such separator. Imports take exactly those apostrophes out again, and no
# other: an apostrophe a person typed before ordinary text stays.
FORMULA_STARTS = "=+-@\t\r'"
SEPARATORS = ',;\t\r\n"'
_SEPARATOR = "[" + re.escape(SEPARATORS) + "]"
_FORMULA_START = "[" + re.escape(FORMULA_STARTS) + "]"
_GUARD = re.compile(f"(^|{_SEPARATOR})(?={_FORMULA_START})")
_GUARDED = re.compile(f"(^|{_SEPARATOR})'(?={_FORMULA_START})")


def escape(value):
    """A text cell as exported: control characters removed, every formula start guarded."""
    if not isinstance(value, str):
        return value
    return _GUARD.sub(r"\1'", remove_controls(value))


def unescape(value):
    """The inverse of `escape` for the apostrophes it adds."""
    if not isinstance(value, str) or "'" not in value:
        return value
    return _GUARDED.sub(r"\1", value)


# --- Limits ------------------------------------------------------------------------------------


class Limits:
    """The bounds of one read, from the settings; `check_time` is called as rows are read."""

    def __init__(self):
        self.max_bytes = settings.IMPORT_MAX_BYTES
        self.max_rows = settings.IMPORT_MAX_ROWS
        self.max_columns = settings.IMPORT_MAX_COLUMNS
        self.max_cells = settings.IMPORT_MAX_CELLS
        self.max_expanded_bytes = settings.IMPORT_MAX_EXPANDED_BYTES
        self.deadline = time.monotonic() + settings.IMPORT_MAX_SECONDS
        self.cells = 0

    def check_time(self, row_number):
        if time.monotonic() > self.deadline:
            raise ImportFailed(
                [
                    f"Reading the file took longer than {settings.IMPORT_MAX_SECONDS} s "
                    f"(IMPORT_MAX_SECONDS); stopped at row {row_number}."
                ]
            )

    def check_row(self, row_number, width):
        """A data row (spreadsheet numbering: the header is row 1) of `width` cells."""
        if row_number - 1 > self.max_rows:
            raise ImportFailed(
                [
                    f"The file has more than {self.max_rows:,} data rows (IMPORT_MAX_ROWS): "
                    f"row {row_number} is past the limit. Split it into smaller files."
                ]
            )
        self.check_width(row_number, width)
        self.cells += width
        if self.cells > self.max_cells:
            raise ImportFailed(
                [
                    f"The file has more than {self.max_cells:,} cells (IMPORT_MAX_CELLS), "
                    f"reached at row {row_number}. Split it into smaller files."
                ]
            )
        if row_number % 256 == 0:
            self.check_time(row_number)

    def check_width(self, row_number, width):
        if width > self.max_columns:
            raise ImportFailed(
                [
                    f"Row {row_number} has {width:,} columns; the limit is {self.max_columns} "
                    "(IMPORT_MAX_COLUMNS)."
                ]
            )


def column_letter(number):
    """1 -> A, 27 -> AA: how a spreadsheet names column `number`."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def refuse_duplicate_headers(headers, *, letters=True):
    seen = {}
    for position, header in enumerate(headers, start=1):
        if header == "":
            continue
        if header in seen:
            where = (
                f"columns {column_letter(seen[header])} and {column_letter(position)}"
                if letters
                else "twice"
            )
            raise ImportFailed(
                [f"Column {header!r} appears {where}: keep one of them and import again."]
            )
        seen[header] = position


# --- Text encodings ------------------------------------------------------------------------------


def _implausible(text):
    """How many characters of `text` no Polish, Czech or German text would contain: C1
    controls (what Windows-1250 punctuation reads as in ISO-8859-2) and the symbols that
    ISO-8859-2 letters read as in Windows-1250 (ą -> ±, ś -> ¶, Ą -> ˇ, Ś -> ¦, Ź -> ¬)."""
    return sum(
        1
        for ch in text
        if ord(ch) > 127
        and unicodedata.category(ch) in {"Cc", "Sm", "Sk", "So", "Po"}
        and ch not in "§·•…‰"
    )


# A file's bytes are checked against an encoding this many at a time: its text is never held
# whole (one character past U+FFFF makes a str four bytes a character: 100 MB for 25 MB).
_CHECKED_AT_ONCE = 1 << 20


def _pieces(content):
    view = memoryview(content)
    for start in range(0, len(view), _CHECKED_AT_ONCE):
        yield view[start : start + _CHECKED_AT_ONCE]


def _check_encoding(content, encoding, *, after=0):
    """ImportFailed naming the first byte of `content` past its first `after` (a byte-order
    mark) that is not `encoding`, counted from the start of the file."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view, offset, pending = memoryview(content)[after:], 0, 0
    try:
        while offset < len(view):
            # Bytes of a character cut by the piece's end wait in the decoder.
            pending = len(decoder.getstate()[0])
            decoder.decode(view[offset : offset + _CHECKED_AT_ONCE])
            offset += _CHECKED_AT_ONCE
        pending = len(decoder.getstate()[0])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        byte = after + min(offset, len(view)) - pending + error.start + 1
        raise ImportFailed(
            [f"The file says it is {encoding.upper()} but byte {byte} is not."]
        ) from None


def encoding_of(content):
    """The encoding of a CSV or JSON file's bytes (a byte-order mark is part of it), or
    ImportFailed when it cannot be told for certain. Checked a piece at a time."""
    if content.startswith(codecs.BOM_UTF8):
        _check_encoding(content, "utf-8", after=len(codecs.BOM_UTF8))
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        order = "le" if content.startswith(codecs.BOM_UTF16_LE) else "be"
        _check_encoding(content, f"utf-16-{order}", after=2)
        return "utf-16"
    try:
        _check_encoding(content, "utf-8")
        return "utf-8"
    except ImportFailed:
        pass
    # Single-byte encodings: each piece reads on its own as it does within the whole.
    same, windows_clean, windows_plausible, iso_plausible = True, True, True, True
    for piece in _pieces(content):
        windows = codecs.decode(piece, "cp1250", errors="replace")
        iso = codecs.decode(piece, "iso-8859-2")
        same = same and windows == iso
        windows_clean = windows_clean and "\ufffd" not in windows
        windows_plausible = windows_plausible and windows_clean and not _implausible(windows)
        iso_plausible = iso_plausible and "\ufffd" not in iso and not _implausible(iso)
    if same and windows_clean:
        return "cp1250"
    if windows_plausible != iso_plausible:
        return "cp1250" if windows_plausible else "iso-8859-2"
    raise ImportFailed(
        [
            "The file is not UTF-8, and it cannot be told for certain whether it is "
            "Windows-1250 or ISO-8859-2 (they differ in letters such as ą, ś, ź, š, ž): "
            "save it as UTF-8 (CSV UTF-8 in Excel) and import it again."
        ]
    )


# --- CSV -----------------------------------------------------------------------------------------


def _delimiter(header_line):
    """The separator the header line uses: the most frequent of , ; and tab outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


class OneObjectEach:
    """Called with each cell of a file: the same object for each short text that repeats (a
    category, "yes", a provider's name, a domain), so that a 50,000-row file's cells take a
    sixth less memory. Only the first `remembered` different texts are kept (unique ones,
    such as names, would otherwise fill it)."""

    def __init__(self, remembered=10_000):
        self.texts = {}
        self.remembered = remembered

    def __call__(self, value):
        if not isinstance(value, str) or len(value) > 40:
            return value
        found = self.texts.get(value)
        if found is not None:
            return found
        if len(self.texts) < self.remembered:
            self.texts[value] = value
        return value


def read_csv(content, limits=None):
    """(headers, rows) of a CSV file's bytes; each row a list as long as the headers."""
    limits = limits or Limits()
    # Decoded as it is read, a few kilobytes at a time; lines split as by open(newline="").
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding_of(content), newline="")
    first_line = text.readline()
    text.seek(0)
    reader = csv.reader(text, delimiter=_delimiter(first_line))
    headers, rows = None, []
    once = OneObjectEach()
    try:
        for record in reader:
            number = reader.line_num if headers is None else len(rows) + 2
            if headers is None:
                limits.check_width(1, len(record))
                headers = [cell.strip() for cell in record]
                refuse_duplicate_headers(headers)
                continue
            if not any(cell.strip() for cell in record):
                continue  # a blank line, as spreadsheets leave at the end
            limits.check_row(number, len(record))
            if len(record) > len(headers):
                raise ImportFailed(
                    [
                        f"Row {number} has {len(record)} cells but the header has "
                        f"{len(headers)} columns (at line {reader.line_num} of the file)."
                    ]
                )
            record += [""] * (len(headers) - len(record))
            rows.append([once(unescape(cell)) for cell in record])
    except csv.Error as error:
        raise ImportFailed(
            [f"The CSV file cannot be read at line {reader.line_num}: {error}."]
        ) from None
    return headers or [], rows


# --- XLSX ----------------------------------------------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _sheet_paths(archive):
    """[(name, path in the zip)] of the workbook's sheets, in the order openpyxl lists them."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        sheets = workbook.findall(f"{_MAIN}sheets/{_MAIN}sheet")
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise ImportFailed(["The XLSX file has no readable workbook (xl/workbook.xml)."]) from None
    if not sheets:
        raise ImportFailed(["The XLSX file has no sheet."])
    targets = {
        relationship.get("Id"): relationship.get("Target", "")
        for relationship in rels.iter(_PACKAGE_RELS)
    }
    paths = []
    for sheet in sheets:
        target = targets.get(sheet.get(_RELATIONSHIP))
        if target is None:
            raise ImportFailed(
                [f"The XLSX file's sheet {sheet.get('name')!r} cannot be found in the file."]
            )
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        paths.append((sheet.get("name") or "", path))
    return paths


_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}Override"
_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def _ends(source, container, child):
    """Each element of an XML part as it ends; once a `child` of the `container` element has
    ended (and been looked at), it is dropped from the container. ElementTree keeps every
    element under its parent, cleared or not: the three million empty <row/> of a 28 KB XLSX
    took 375 MB."""
    parent = None
    for event, element in ElementTree.iterparse(source, events=("start", "end")):
        if event == "start":
            if parent is None and element.tag == container:
                parent = element
            continue
        yield element
        if parent is not None and element.tag == child:
            del parent[:]


def _count_shared_strings(archive, limits):
    """Refuse more shared strings than the file may have cells: openpyxl keeps them all in
    memory before reading any row (three million short ones take half a gigabyte)."""
    try:
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    except (KeyError, ElementTree.ParseError):
        raise ImportFailed(["The XLSX file has no readable [Content_Types].xml."]) from None
    paths = [
        override.get("PartName", "").lstrip("/")
        for override in types.iter(_CONTENT_TYPES)
        if override.get("ContentType") == _SHARED_STRINGS_TYPE
    ]
    for path in paths:
        count = 0
        try:
            with archive.open(path) as source:
                for element in _ends(source, f"{_MAIN}sst", f"{_MAIN}si"):
                    if element.tag == f"{_MAIN}si":
                        count += 1
                        element.clear()
                        if count > limits.max_cells:
                            raise ImportFailed(
                                [
                                    f"The XLSX file has more than {limits.max_cells:,} texts "
                                    "(IMPORT_MAX_CELLS) in its shared strings."
                                ]
                            )
        except KeyError:
            raise ImportFailed([f"The XLSX file lacks its part {path!r}."]) from None
        except ElementTree.ParseError as error:
            raise ImportFailed(
                [f"The XLSX file's shared strings are not valid XML: {error}."]
            ) from None


def _cell_position(reference):
    letters = "".join(ch for ch in reference if ch.isalpha())
    column = 0
    for ch in letters.upper():
        column = column * 26 + ord(ch) - 64
    return int(reference[len(letters) :]), column


def _scan_sheet(archive, path, limits):
    """Walk the sheet's XML once, keeping nothing: its real size in rows and columns (not the
    size it declares), and the first formula that has no saved value."""
    last_row, widest = 0, 0
    try:
        with archive.open(path) as source:
            row_number, column = 0, 0
            for element in _ends(source, f"{_MAIN}sheetData", f"{_MAIN}row"):
                tag = element.tag
                if tag == f"{_MAIN}c":
                    reference = element.get("r")
                    if reference:
                        row_number, column = _cell_position(reference)
                    else:
                        column += 1
                    has_value = element.find(f"{_MAIN}v") is not None and (
                        element.findtext(f"{_MAIN}v") or element.get("t") == "str"
                    )
                    if element.find(f"{_MAIN}f") is not None and not has_value:
                        raise ImportFailed(
                            [
                                f"Row {row_number}, column {column_letter(column)}: a formula "
                                "without a saved value (the file was written by a program that "
                                "does not compute formulas). Open and save it in a spreadsheet "
                                "program, or type the value instead of the formula."
                            ]
                        )
                    if (
                        element.find(f"{_MAIN}v") is not None
                        or element.find(f"{_MAIN}is") is not None
                    ):
                        widest = max(widest, column)
                        limits.check_width(row_number, widest)
                    element.clear()
                elif tag == f"{_MAIN}row":
                    row_number = int(element.get("r") or row_number + 1)
                    if len(element):
                        last_row = row_number
                    if row_number - 1 > limits.max_rows and len(element):
                        limits.check_row(row_number, 0)
                    column = 0
                    if row_number % 256 == 0:
                        limits.check_time(row_number)
                    element.clear()
                elif tag == f"{_MAIN}sheetData":
                    element.clear()
    except ElementTree.ParseError as error:
        raise ImportFailed([f"The XLSX file's sheet is not valid XML: {error}."]) from None
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise ImportFailed(
            [f"The XLSX file is damaged: {error or type(error).__name__}."]
        ) from None
    return last_row, widest


def read_xlsx(content, limits=None):
    """(headers, rows) of the first sheet of an XLSX file's bytes."""
    [(_name, headers, rows)] = read_xlsx_sheets(content, limits, first_only=True)
    return headers, rows


def read_xlsx_sheets(content, limits=None, *, first_only=False):
    """[(sheet name, headers, rows)] of an XLSX file's sheets (or its first), read under one
    set of limits for the whole file."""
    limits = limits or Limits()
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ImportFailed(["The XLSX file is damaged or truncated (it is not a complete zip)."])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        # A zip says how large each member unpacks to, and Python's reader stops there.
        expanded = sum(member.file_size for member in archive.infolist())
        if expanded > limits.max_expanded_bytes:
            raise ImportFailed(
                [
                    f"The XLSX file unpacks to {expanded:,} bytes; the limit is "
                    f"{limits.max_expanded_bytes:,} (IMPORT_MAX_EXPANDED_BYTES)."
                ]
            )
        _count_shared_strings(archive, limits)
        paths = _sheet_paths(archive)[: 1 if first_only else None]
        sizes = [_scan_sheet(archive, path, limits) for _name, path in paths]
    if all(last_row == 0 for last_row, _widest in sizes):
        return [(name, [], []) for name, _path in paths]
    try:
        workbook = _load_workbook(content)
    except Exception as error:  # openpyxl raises many kinds for damaged files
        raise ImportFailed(
            [f"The XLSX file cannot be read: {error or type(error).__name__}."]
        ) from None
    try:
        return [
            (name, *_read_sheet(workbook.worksheets[index], last_row, widest, limits))
            for index, ((name, _path), (last_row, widest)) in enumerate(
                zip(paths, sizes, strict=True)
            )
        ]
    except ImportFailed:
        raise
    except Exception as error:
        raise ImportFailed(
            [f"The XLSX file cannot be read: {error or type(error).__name__}."]
        ) from None
    finally:
        workbook.close()


def _load_workbook(content):
    """openpyxl.load_workbook(read_only=True, data_only=True, keep_links=False), but the shared
    strings read through _ends(): openpyxl's own reading keeps every <si> element it has read
    under the table's root (1,500,000 texts took some 150 MB beside the texts themselves)."""
    from openpyxl.cell.text import Text  # only imports need openpyxl
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader

    class Reader(ExcelReader):
        def read_strings(self):
            part = self.package.find(SHARED_STRINGS)
            if part is None:
                return
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = [
                    # What openpyxl's read_string_table() makes of each text.
                    Text.from_tree(element).content.replace("x005F_", "")
                    for element in _ends(source, f"{_MAIN}sst", f"{_MAIN}si")
                    if element.tag == f"{_MAIN}si"
                ]

    reader = Reader(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    reader.read()
    return reader.wb


def _read_sheet(sheet, last_row, widest, limits):
    if last_row == 0:
        return [], []
    # The declared dimensions are not trusted: the scan measured the real ones.
    sheet.reset_dimensions()
    headers, rows = None, []
    for number, values in enumerate(
        sheet.iter_rows(max_row=last_row, max_col=max(widest, 1), values_only=True), start=1
    ):
        cells = ["" if value is None else value for value in values]
        if headers is None:
            headers = [str(cell).strip() for cell in cells]
            while headers and headers[-1] == "":
                headers.pop()
            refuse_duplicate_headers(headers)
            continue
        if all(cell == "" for cell in cells):
            continue
        limits.check_row(number, len(cells))
        extra = [cell for cell in cells[len(headers) :] if cell != ""]
        if extra:
            raise ImportFailed([f"Row {number} has values in columns that have no header."])
        rows.append([_xlsx_cell(cell) for cell in cells[: len(headers)]])
    return headers or [], rows


def _xlsx_cell(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return unescape(value) if isinstance(value, str) else value


# --- JSON ----------------------------------------------------------------------------------------


def _object_without_duplicates(pairs):
    keys = [key for key, _value in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ImportFailed([f"A JSON object names {key!r} twice."])
    return dict(pairs)


def read_json(content, limits=None):
    """(headers, rows) of a JSON file: a list of objects, one per row."""
    limits = limits or Limits()
    data = parse_json(content)
    return json_table(data, limits)


# A character past U+FFFF in UTF-8 (four bytes).
_ASTRAL = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")


def _escaped_astral(match):
    """The character as a JSON escape (a surrogate pair), which json.loads reads back as it."""
    return json.dumps(match.group().decode("utf-8")).strip('"').encode()


def _json_text(content):
    """The text of a JSON file to parse. One character past U+FFFF (an emoji) makes a Python
    text four bytes a character, 130 MB for a 32 MB file: in UTF-8 such characters are given
    to the parser as escapes, which it reads back as the same characters."""
    encoding = encoding_of(content)
    if encoding.startswith("utf-8") and _ASTRAL.search(content):
        content = _ASTRAL.sub(_escaped_astral, content)
    return codecs.decode(content, encoding)


def parse_json(content):
    """A JSON file's data; a key named twice in an object, or too deep a nesting, is refused."""
    try:
        return json.loads(_json_text(content), object_pairs_hook=_object_without_duplicates)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            [f"The JSON file is not valid JSON (line {error.lineno}, column {error.colno})."]
        ) from None
    except RecursionError:
        raise ImportFailed(
            ["The JSON file is nested too deeply: it must be a list of flat objects."]
        ) from None


def json_table(data, limits):
    """(headers, rows) of parsed JSON data: a list of flat objects, one per row. Consumes
    `data` (each object is let go once it is a row)."""
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise ImportFailed(["The JSON file must be a list of objects, one per row."])
    headers = []
    for number, row in enumerate(data, start=2):
        limits.check_row(number, len(row))
        headers += [key for key in row if key not in headers]
        limits.check_width(number, len(headers))
    rows, once = [], OneObjectEach()
    data.reverse()  # taken from the end, the first first
    while data:
        row, number = data.pop(), len(rows) + 2
        rows.append([once(_json_cell(row.get(header), number, header)) for header in headers])
    return headers, rows


def _json_cell(value, number, header):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        raise ImportFailed(
            [
                f"Row {number}, column {header!r}: holds a {type(value).__name__}, "
                "not a single value."
            ]
        )
    return value


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}


def check_content(content, limits):
    """Refuse an empty file, or one past IMPORT_MAX_BYTES, before reading it."""
    if len(content) > limits.max_bytes:
        raise ImportFailed(
            [
                f"The file is {len(content):,} bytes; the limit is {limits.max_bytes:,} bytes "
                "(IMPORT_MAX_BYTES)."
            ]
        )
    if not content.strip():
        raise ImportFailed(["The file is empty."])


def read_table(content, file_format):
    """(headers, rows) of a file's bytes in `file_format`, read under the limits."""
    limits = Limits()
    check_content(content, limits)
    if file_format not in READERS:
        raise ImportFailed([f"Unknown format {file_format!r}: use csv, xlsx or json."])
    return READERS[file_format](content, limits)
