"""Peak memory and time of `import_register` on hostile files, and on large honest ones.

Each file is imported by a fresh `manage.py import_register cookie FILE` process (a dry run, on
bench/hostile_imports.sqlite3 unless DATABASE_URL is set; the honest files are then imported
for real too, into the emptied cookie register); the figures are that process's peak resident
memory (through peak_memory.py), its wall-clock time and its first line of output. The files
are made at the configured limits (IMPORT_MAX_ROWS, IMPORT_MAX_CELLS, IMPORT_MAX_BYTES). The
target (issues 13 and 21): every import stays under 300 MB, and every hostile file is refused
with a message.

    .venv/bin/python bench/hostile_imports.py
"""

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["en", "pl", "cs", "de"]
sys.path.insert(0, str(ROOT))

from bench import environment  # noqa: E402

environment.setup("hostile_imports")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from compliance.models import Cookie  # noqa: E402
from compliance.reading import column_letter  # noqa: E402
from tests.test_reading import (  # noqa: E402
    CONTENT_TYPES,
    HEADER,
    ROOT_RELS,
    WORKBOOK,
    WORKBOOK_RELS,
    cookie_row,
    header_row,
    inline,
    xlsx,
)

SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SHARED_STRINGS_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
)


def packed(sheet_rows, shared_strings=None):
    """An XLSX whose sheet's rows are produced by `sheet_rows` (streamed into the zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        types, rels = CONTENT_TYPES, WORKBOOK_RELS
        if shared_strings:
            types = types.replace("</Types>", SHARED_STRINGS_TYPE + "</Types>")
            rels = rels.replace("</Relationships>", SHARED_STRINGS_REL + "</Relationships>")
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/>'
                b"<sheetData>"
            )
            for chunk in sheet_rows():
                sheet.write(chunk.encode())
            sheet.write(b"</sheetData></worksheet>")
        if shared_strings:
            with archive.open("xl/sharedStrings.xml", "w") as strings:
                strings.write(
                    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                )
                for chunk in shared_strings():
                    strings.write(chunk.encode())
                strings.write(b"</sst>")
    return buffer.getvalue()


def five_million_rows():
    """Rows without coordinates compress to almost nothing: 5 million in about 1.5 MB."""
    yield header_row()
    chunk = '<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 10_000
    for _ in range(500):
        yield chunk


def empty_rows():
    """Empty rows compress to nothing; ElementTree kept each one read (375 MB for these)."""
    yield header_row() + cookie_row(2, "x")
    for _ in range(30):
        yield "<row/>" * 100_000


def wide_rows():
    yield header_row()
    for n in range(2, 20_002):
        yield (
            f'<row r="{n}">'
            + "".join(f'<c r="{c}{n}"><v>1</v></c>' for c in ("A", "B", "C", "CV"))
            + "</row>"
        )


def many_shared_strings():
    for n in range(3_000_000):
        yield f"<si><t>{n:x}</t></si>"


def honest_rows():
    """As many rows as the limit allows, with a purpose, a description and a necessity
    justification in four languages."""
    texts = ("purpose", "description", "necessity_justification")
    columns = HEADER + [f"{field}_{code}" for field in texts for code in LANGUAGES]
    letters = [column_letter(n) for n in range(1, len(columns) + 1)]
    yield (
        '<row r="1">'
        + "".join(inline(f"{c}1", h) for c, h in zip(letters, columns, strict=True))
        + "</row>"
    )
    for n in range(2, settings.IMPORT_MAX_ROWS + 2):
        values = [f"cookie_{n:06d}", f"site{n % 50}.example", "necessary"]
        values += [f"Purpose {n} ({code})" for code in LANGUAGES]
        values += [f"What cookie {n} does, in {code}: remembers a choice." for code in LANGUAGES]
        values += [f"Why cookie {n} is needed, in {code}: the chat." for code in LANGUAGES]
        yield (
            f'<row r="{n}">'
            + "".join(inline(f"{c}{n}", value) for c, value in zip(letters, values, strict=True))
            + "</row>"
        )


TEXTS = ("purpose", "description", "necessity_justification")
LONG_COLUMNS = ["name", "domain", "category"] + [f"{t}_{code}" for t in TEXTS for code in LANGUAGES]


def long_rows(filler, count):
    """`count` cookies whose twelve texts carry `filler` more characters each; the first
    description holds a character past U+FFFF (a cookie), which makes a Python text of the
    whole file four bytes a character."""
    for n in range(count):
        row = {"name": f"cookie_{n:06d}", "domain": f"site{n % 50}.example"}
        row["category"] = "necessary"
        for text in TEXTS:
            for code in LANGUAGES:
                row[f"{text}_{code}"] = f"{text} {n} ({code}) " + "x" * filler
        if n == 0:
            row["description_en"] += " \U0001f36a"
        yield row


def long_csv(filler, count):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LONG_COLUMNS)
    writer.writeheader()
    writer.writerows(long_rows(filler, count))
    return out.getvalue().encode()


def long_json(filler, count):
    return json.dumps(list(long_rows(filler, count)), ensure_ascii=False).encode()


def at_the_byte_limit(make):
    """make(filler, count) as near IMPORT_MAX_BYTES as it goes without passing it: the row
    limit's rows with the longest filler, or as many rows as fit without any (JSON repeats
    its column names in every row)."""
    limit, rows = settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS
    base = len(make(0, rows))
    if base > limit:
        rows = rows * limit // base
        while len(content := make(0, rows)) > limit:
            rows -= rows // 100 or 1
        return content
    step = len(make(10, rows)) - base
    filler = (limit - base) * 10 // step
    while len(content := make(filler, rows)) > limit:
        filler -= 1
    return content


def shared_strings_at_the_cell_limit():
    """IMPORT_MAX_ROWS rows of as many columns as IMPORT_MAX_CELLS allows, every cell a text
    of its own in the shared strings (openpyxl holds them all)."""
    width = settings.IMPORT_MAX_CELLS // (settings.IMPORT_MAX_ROWS + 1)
    letters = [column_letter(n) for n in range(1, width + 1)]

    def rows():
        yield (
            '<row r="1">'
            + "".join(inline(f"{c}1", f"column{n}") for n, c in enumerate(letters))
            + "</row>"
        )
        for r in range(2, settings.IMPORT_MAX_ROWS + 2):
            first = (r - 2) * width
            yield (
                f'<row r="{r}">'
                + "".join(
                    f'<c r="{c}{r}" t="s"><v>{first + n}</v></c>' for n, c in enumerate(letters)
                )
                + "</row>"
            )

    def strings():
        for n in range(settings.IMPORT_MAX_ROWS * width):
            yield f"<si><t>text number {n:08d}</t></si>"

    return packed(rows, strings)


HONEST = "honest rows up to the row limit"
LONG_CSV = "CSV at the byte limit, one emoji"
LONG_JSON = "JSON at the byte limit, one emoji"
IMPORTED_TOO = (HONEST, LONG_CSV, LONG_JSON)
FILES = {
    "whole sheet declared (1.5 KB)": lambda: xlsx(
        header_row() + cookie_row(2, "x"), dimension="A1:XFD1048576"
    ),
    "cell at XFD1048576": lambda: xlsx(
        header_row() + cookie_row(2, "x") + f'<row r="1048576">{inline("XFD1048576", "x")}</row>'
    ),
    "5,000,000 rows": lambda: packed(five_million_rows),
    "3,000,000 empty rows": lambda: packed(empty_rows),
    "20,000 rows, 100 columns": lambda: packed(wide_rows),
    "3,000,000 shared strings": lambda: packed(
        lambda: iter([header_row(), '<row r="2"><c r="A2" t="s"><v>2999999</v></c></row>']),
        many_shared_strings,
    ),
    "deeply nested JSON": lambda: b"[" * 5_000_000 + b"]" * 5_000_000,
    "XLSX, shared strings at the cell limit": shared_strings_at_the_cell_limit,
    HONEST: lambda: packed(honest_rows),
    LONG_CSV: lambda: at_the_byte_limit(long_csv),
    LONG_JSON: lambda: at_the_byte_limit(long_json),
}


def run(path, dry_run=True):
    """(seconds, peak MiB, exit status, output lines) of one import_register process, started
    through peak_memory.py: a child of this process would report this one's peak as well."""
    start = time.perf_counter()
    process = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "peak_memory.py"),
            sys.executable,
            str(ROOT / "manage.py"),
            "import_register",
            "cookie",
            str(path),
            *(["--dry-run"] if dry_run else []),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # As in production: with DEBUG on, Django keeps the SQL of every query of the import.
        env={**os.environ, "DJANGO_DEBUG": "0"},
    )
    elapsed = time.perf_counter() - start
    output = process.stdout.decode("utf-8", "replace").strip().splitlines()
    peak = float(output.pop().removeprefix("peak "))
    return elapsed, peak, process.returncode, output


def main():
    call_command("migrate", verbosity=0)
    Cookie.objects.all().delete()
    print(f"{'file':32} {'size':>10} {'time':>8} {'peak RSS':>10}  exit  first line")
    with tempfile.TemporaryDirectory() as folder:
        for label, make in FILES.items():
            content = make()
            suffix = ".json" if "JSON" in label else ".csv" if "CSV" in label else ".xlsx"
            path = Path(folder) / f"file{suffix}"
            path.write_bytes(content)
            del content
            for dry_run in (True, False) if label in IMPORTED_TOO else (True,):
                Cookie.objects.all().delete()
                elapsed, peak, code, output = run(path, dry_run)
                first = (output[0] if output else "")[:90]
                size = f"{path.stat().st_size:>10,}"
                name = label if dry_run else "  ... imported for real"
                print(f"{name:32} {size} {elapsed:>7.2f}s {peak:>8.0f} MB  {code:>4}  {first}")


if __name__ == "__main__":
    main()
