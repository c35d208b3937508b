"""The whole register in one file (issue 15, point 5): the demo with the whole Open Cookie
Database (2,264 cookies) exported with `export_register all` as XLSX and JSON, then each
imported into an emptied register. Prints each file's size, the time to write it and to
import it, and whether the snapshot hash came back the same. Uses bench/backup.sqlite3
unless DATABASE_URL is set. Run from the project root:

    .venv/bin/python bench/backup.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("backup")

from django.core.management import call_command  # noqa: E402

from compliance import backup, models, ocd  # noqa: E402
from compliance.demo import load_demo  # noqa: E402
from compliance.resources import IMPORTABLE_MODELS  # noqa: E402
from compliance.snapshot import build_snapshot, content_hash  # noqa: E402


def empty_register():
    models.Processor.objects.update(parent=None)
    models.DataCategory.objects.update(parent=None)
    for model in reversed(IMPORTABLE_MODELS):
        model.objects.all().delete()


def main():
    call_command("migrate", verbosity=0)
    empty_register()
    load_demo()
    ocd.import_ocd(ocd.LIBRARY_FILE.read_bytes())
    expected = content_hash(build_snapshot())
    rows = sum(model.objects.count() for model in IMPORTABLE_MODELS)
    environment.print_machine_speed()
    print(f"register: {rows:,} rows in {len(IMPORTABLE_MODELS)} registers")
    for file_format in backup.FORMATS:
        content = None

        def export(file_format=file_format):
            nonlocal content
            content = backup.export_all(file_format, language="pl")

        export_seconds = environment.seconds(export)
        empty_register()
        import_seconds = environment.seconds(
            lambda c=content, f=file_format: backup.import_all(c, f)
        )
        same = content_hash(build_snapshot()) == expected
        print(
            f"{file_format}: {len(content) / 1024:,.0f} KiB, written in {export_seconds:.2f} s, "
            f"imported into the empty register in {import_seconds:.2f} s, "
            f"same snapshot hash: {same}"
        )


if __name__ == "__main__":
    main()
