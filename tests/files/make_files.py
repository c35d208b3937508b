"""Writes the test files in this folder. They are committed; run this only to change them:

.venv/bin/python tests/files/make_files.py
"""

import csv
import io
import json
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
OCD = HERE.parent.parent / "compliance" / "data" / "open-cookie-database.csv"

COOKIE_HEADER = [
    "name",
    "domain",
    "category",
    "provider",
    "purpose_en",
    "purpose_pl",
    "description_en",
    "description_pl",
    "consent_required",
    "third_party_access",
    "retention",
    "retention_note_pl",
]
COOKIES = [
    [
        "ssupp.vid",
        "",
        "necessary",
        "",
        "Identifies the visitor",
        "Identyfikacja osób odwiedzających",
        "Reconnects the visitor to the chat.",
        "Głównym celem tego pliku jest identyfikacja.",
        "no",
        "no",
        "6 months",
        "",
    ],
    [
        "SL_C_<PROJECT_KEY>_SID",
        "",
        "statistics",
        "Smartlook.com, s.r.o.",
        "Current session ID",
        "Identyfikator bieżącej sesji",
        "Analytics session.",
        "Sesja analityczna.",
        "yes",
        "yes",
        "2 years",
        "",
    ],
    [
        "ssupp.visits",
        "",
        "marketing",
        "",
        "Counts visits",
        "Zapisanie liczby wizyt",
        "Counts the visitor's visits.",
        "Liczba wizyt.",
        "yes",
        "no",
        "13 months after last activity",
        "od ostatniej aktywności",
    ],
]


def write_csv(name, header, rows, encoding="utf-8", bom=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    (HERE / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def write_xlsx(name, header, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(HERE / name)


def replaced(rows, index, column, value):
    rows = [list(row) for row in rows]
    rows[index][COOKIE_HEADER.index(column)] = value
    return rows


def main():
    write_csv("cookies.csv", COOKIE_HEADER, COOKIES)
    write_xlsx("cookies.xlsx", COOKIE_HEADER, COOKIES)
    (HERE / "cookies.json").write_text(
        json.dumps(
            [dict(zip(COOKIE_HEADER, row, strict=True)) for row in COOKIES],
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    write_csv("cookies_bom.csv", COOKIE_HEADER, COOKIES, bom=True)
    write_csv("cookies_cp1250.csv", COOKIE_HEADER, COOKIES, encoding="cp1250")
    write_csv(
        "processors.csv",
        ["name", "country", "parent", "status", "transfer_safeguard", "processing_description_en"],
        [
            ["Sub Hosting GmbH", "DE", "Hosting s.r.o.", "active", "eea", "Backups"],
            ["Hosting s.r.o.", "CZ", "", "active", "eea", "Hosting"],
            ["Smartlook.com, s.r.o.", "CZ", "", "active", "eea", "Analytics recordings"],
        ],
    )
    # Broken files, one per failure.
    (HERE / "empty.csv").write_bytes(b"")
    write_csv("header_only.csv", COOKIE_HEADER, [])
    (HERE / "truncated.xlsx").write_bytes((HERE / "cookies.xlsx").read_bytes()[:700])
    (HERE / "not_json.json").write_text('[{"name": "a",', encoding="utf-8")
    write_csv("unknown_category.csv", COOKIE_HEADER, replaced(COOKIES, 1, "category", "tasty"))
    write_csv("unknown_provider.csv", COOKIE_HEADER, replaced(COOKIES, 2, "provider", "Nobody Ltd"))
    write_csv("bad_retention.csv", COOKIE_HEADER, replaced(COOKIES, 0, "retention", "a while"))
    write_csv("wrong_type.csv", COOKIE_HEADER, replaced(COOKIES, 0, "consent_required", "perhaps"))
    write_csv("duplicate_key.csv", COOKIE_HEADER, [*COOKIES, COOKIES[0]])
    write_csv(
        "missing_column.csv",
        [h for h in COOKIE_HEADER if h != "category"],
        [
            [v for h, v in zip(COOKIE_HEADER, row, strict=True) if h != "category"]
            for row in COOKIES
        ],
    )
    write_csv(
        "formula.csv",
        COOKIE_HEADER,
        replaced(COOKIES, 0, "description_en", '=HYPERLINK("http://evil.example","click")'),
    )
    # A slice of the Open Cookie Database: the first 40 rows, and the messy ones below.
    lines = OCD.read_text(encoding="utf-8").splitlines(keepends=True)
    messy = [
        line
        for line in lines
        if any(
            text in line
            for text in ("Unknown", "10 Nov 2030", "6 months by default", "_ga_,", "euconsent-v2")
        )
    ]
    (HERE / "ocd_slice.csv").write_text("".join(lines[:41] + messy), encoding="utf-8")
    # A newer library file: one description changed, one row gone, one new.
    header, *rest = lines[:21]
    changed = rest[0].replace("Registers cookie preferences of a user", "Stores cookie preferences")
    new = (
        "00000000-0000-0000-0000-000000000001,Example,Analytics,example_id,,Example cookie,"
        "1 year,Example Inc.,https://example.com/privacy,0\n"
    )
    (HERE / "ocd_newer.csv").write_text(
        header + changed + "".join(rest[2:]) + new, encoding="utf-8"
    )


if __name__ == "__main__":
    main()
