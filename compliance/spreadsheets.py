"""Writing the files a legal team opens in Excel or LibreOffice: XLSX and CSV.

- XLSX: one sheet per register, named after it; a bold, frozen header row with an autofilter;
  dates, yes/no and numbers as typed cells; every text as a text cell, so that a text that
  begins with "=" is shown, never run, and needs no visible guard.
- CSV: UTF-8 with a byte-order mark (without it Excel reads Polish and Czech letters as
  Windows-1252); a spreadsheet runs a CSV cell that looks like a formula, so each one is
  guarded (reading.escape) and imports take the guard off again.
"""

import datetime
import io
import re

import openpyxl
from django.utils.translation import gettext
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from compliance.reading import ImportFailed, escape
from compliance.sanitize import remove_controls

# Excel refuses these in a sheet's name, and more than 31 characters.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31
WIDEST_COLUMN = 60
# What Excel keeps of a cell's text; a longer text would be cut, or the file called damaged.
XLSX_CELL_CHARACTERS = 32767


def sheet_name(name):
    """`name` as Excel accepts a sheet's name."""
    cleaned = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", remove_controls(str(name))).split())
    cleaned = cleaned.strip("'")
    if len(cleaned) > SHEET_NAME_LENGTH:
        # Cut at a word: "Technical and organisational", not "... organisational me".
        cleaned = cleaned[: SHEET_NAME_LENGTH + 1].rsplit(" ", 1)[0][:SHEET_NAME_LENGTH]
    return (cleaned[:1].upper() + cleaned[1:]) or "Sheet"


def _cell(sheet, value):
    if isinstance(value, bool):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, (int, float)):
        return WriteOnlyCell(sheet, value=value)
    cell = WriteOnlyCell(sheet, value=remove_controls("" if value is None else str(value)))
    # openpyxl would store a text starting with "=" as a formula: a text cell is what it is.
    cell.data_type = "s"
    return cell


def _check_lengths(name, headers, number, row):
    for header, value in zip(headers, row, strict=False):
        if isinstance(value, str) and len(value) > XLSX_CELL_CHARACTERS:
            raise ImportFailed(
                [
                    gettext(
                        "%(sheet)s, row %(row)s, column %(column)s: %(length)s characters, "
                        "more than the %(limit)s an XLSX cell holds. Export as CSV or JSON, "
                        "which keep every character."
                    )
                    % {
                        "sheet": name,
                        "row": number,
                        "column": header,
                        "length": f"{len(value):,}",
                        "limit": f"{XLSX_CELL_CHARACTERS:,}",
                    }
                ]
            )


def xlsx_bytes(sheets):
    """An XLSX file of `sheets`: [(name, headers, rows)], rows of typed values."""
    # Every cell is measured before the workbook exists: a refusal leaves nothing half written.
    all_widths = []
    for name, headers, rows in sheets:
        widths = [len(str(header)) for header in headers]
        for number, row in enumerate(rows, start=2):
            _check_lengths(name, headers, number, row)
            for index, value in enumerate(row):
                widths[index] = max(widths[index], min(len(str(value)), WIDEST_COLUMN))
        all_widths.append(widths)
    workbook = openpyxl.Workbook(write_only=True)
    for (name, headers, rows), widths in zip(sheets, all_widths, strict=True):
        sheet = workbook.create_sheet(sheet_name(name))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width, WIDEST_COLUMN) + 2
        sheet.freeze_panes = "A2"
        if headers:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows), 0) + 1}"
        bold = Font(bold=True)
        header_cells = []
        for header in headers:
            cell = _cell(sheet, header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_bytes(headers, rows, *, bom=True):
    """A CSV file's bytes, every formula guarded; with a UTF-8 byte-order mark unless told.
    Encoded as the rows are written: a whole text with the mark (U+FEFF) in front would be
    two bytes a character, then copied into bytes (a 50,000-cookie export peaked at 254 MiB)."""
    import codecs
    import csv

    output = io.BytesIO()
    if bom:
        output.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([escape(header) for header in headers])
    for row in rows:
        writer.writerow([escape("" if value is None else str(value)) for value in row])
    text.flush()
    text.detach()  # the bytes stay readable: closing the text would close them
    return output.getvalue()
