"""Import of 10,000 cookies in four languages through the admin's import path, against a bare
bulk_create of the same rows; and the export of them.

Prints each time (median over rounds), the ratio of import to bare insert, and the peak memory
(tracemalloc, Python allocations) of one import. Uses bench/imports.sqlite3 unless DATABASE_URL
is set. Run from the project root:

    .venv/bin/python bench/imports.py [--rounds 3]
"""

import statistics
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("imports")

import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402

from compliance import models  # noqa: E402
from compliance.imports import export_bytes, import_file  # noqa: E402
from compliance.retention import parse_retention_words  # noqa: E402

ROWS = 10_000
PROCESSORS = 200
CATEGORIES = ["necessary", "preferences", "statistics", "marketing"]
RETENTIONS = ["session", "persistent", "6 months", "2 years", "13 months after last activity"]
LANGUAGES = ["en", "pl", "cs", "de"]


def rows(count=ROWS):
    for n in range(count):
        category = CATEGORIES[n % len(CATEGORIES)]
        row = {
            "name": f"cookie_{n:05d}",
            "domain": f"site{n % 50}.example",
            "category": category,
            "provider": f"Provider {n % PROCESSORS:03d}" if n % 3 else "",
            "consent_required": "no" if category == "necessary" else "yes",
            "third_party_access": "yes" if n % 3 else "no",
            "retention": RETENTIONS[n % len(RETENTIONS)],
        }
        for code in LANGUAGES:
            row[f"purpose_{code}"] = f"Purpose {n} ({code})"
            row[f"description_{code}"] = f"What cookie {n} does, in {code}: remembers a choice."
        yield row


def csv_file(count=ROWS):
    data = list(rows(count))
    dataset = tablib.Dataset(headers=list(data[0]))
    for row in data:
        dataset.append(list(row.values()))
    return dataset.export("csv").encode("utf-8"), data


def bare_insert(data):
    providers = {p.name: p for p in models.Processor.objects.all()}
    cookies = []
    for row in data:
        kind, value, unit, note = parse_retention_words(row["retention"])
        cookies.append(
            models.Cookie(
                name=row["name"],
                domain=row["domain"],
                category=row["category"],
                provider=providers.get(row["provider"]),
                consent_required=row["consent_required"] == "yes",
                third_party_access=row["third_party_access"] == "yes",
                retention_kind=kind,
                retention_value=value,
                retention_unit=unit,
                retention_note_en=note,
                **{f"purpose_{c}": row[f"purpose_{c}"] for c in LANGUAGES},
                **{f"description_{c}": row[f"description_{c}"] for c in LANGUAGES},
            )
        )
    models.Cookie.objects.bulk_create(cookies, batch_size=1000)


def empty_register():
    """No cookies or storage items; the PROCESSORS providers the file names."""
    models.Cookie.objects.all().delete()
    models.StorageItem.objects.all().delete()
    models.Processor.objects.update(parent=None)
    models.Processor.objects.all().delete()
    models.Processor.objects.bulk_create(
        models.Processor(name=f"Provider {n:03d}", country="CZ") for n in range(PROCESSORS)
    )


def main():
    rounds = environment.rounds_argument(__doc__.splitlines()[0], default=3)

    call_command("migrate", verbosity=0)
    empty_register()
    content, data = csv_file()
    print(f"file: {ROWS} cookies, 4 languages, {len(content) / 2**20:.1f} MiB of CSV")

    def clear():
        models.Cookie.objects.all().delete()

    imports, reimports, exported_again, bares, exports = [], [], [], [], []
    for _ in range(rounds):
        clear()
        imports.append(
            environment.seconds(lambda: import_file("cookie", content, file_format="csv"))
        )
        assert models.Cookie.objects.count() == ROWS
        # The same file again: every row unchanged, recognised without writing.
        reimports.append(
            environment.seconds(lambda: import_file("cookie", content, file_format="csv"))
        )
        exports.append(environment.seconds(lambda: export_bytes(models.Cookie, "csv")))
        export = export_bytes(models.Cookie, "csv")
        exported_again.append(
            environment.seconds(lambda e=export: import_file("cookie", e, file_format="csv"))
        )
        clear()
        bares.append(environment.seconds(lambda: bare_insert(data)))
    clear()
    tracemalloc.start()
    import_file("cookie", content, file_format="csv")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    imported, bare, exported = (statistics.median(t) for t in (imports, bares, exports))
    print(f"import through the admin's path: median {imported:.2f} s over {rounds}")
    reimported = statistics.median(reimports)
    print(
        f"the same file again (all rows unchanged): median {reimported:.2f} s "
        f"({reimported / imported:.2f} of a fresh import)"
    )
    print(
        f"the register's own export imported back (unchanged): median "
        f"{statistics.median(exported_again):.2f} s"
    )
    print(f"bare bulk_create of the same rows: median {bare:.2f} s over {rounds}")
    print(f"ratio import / bare insert: {imported / bare:.1f}")
    print(f"peak memory of one import: {peak:.0f} MiB")
    print(f"export of the 10,000 cookies as CSV: median {exported:.2f} s over {rounds}")


if __name__ == "__main__":
    main()
