"""Import of 1,000 to 50,000 cookies (four languages) beside a bare bulk_create of the same rows.

The file is bench/imports.py's (a CSV of cookies with purposes and descriptions in four
languages, providers by name, retentions in words). For each size, a fresh process imports it
into an empty cookie register through `compliance.imports.import_file` (the path the admin and
`import_register` share: file checks, reading, validation, one transaction with the history);
another fresh process then imports the same file with every row's English purpose changed (every
row an update, over the register the first import wrote); and a third reads the file with
csv.DictReader and inserts its rows with a bare `bulk_create` into an empty register. Prints the
seconds of each (reading the file included, the process start not), the peak resident memory of
each process (Django loaded is about 100 MiB of it), and the ratio of the import to the bare
insert. The processes run with DEBUG off, as in production. Uses bench/import_scale.sqlite3
unless DATABASE_URL is set. Run from the project root:

    .venv/bin/python bench/import_scale.py [--sizes 1000 10000 50000]
"""

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import environment  # noqa: E402

environment.setup("import_scale")

from django.core.management import call_command  # noqa: E402

from bench.imports import bare_insert, csv_file, empty_register  # noqa: E402
from compliance import models  # noqa: E402
from compliance.imports import import_file  # noqa: E402


def peak_resident_mib():
    """This process's peak resident memory since it started this program (VmHWM). Not
    ru_maxrss: Linux keeps that across exec, so a child would report at least the resident
    memory of the benchmark that forked it (some 280 MiB once it has made a 50,000-row file)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(what, size, path):
    """In a fresh process: import the file, or bulk_create its rows; print the figures."""
    content = Path(path).read_bytes()
    start = time.perf_counter()
    if what == "bare":
        bare_insert(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    else:
        result = import_file("cookie", content, file_format="csv")
        effect = "new" if what == "import" else "update"
        assert result.totals[effect] == size, f"not every row was {effect}: {result.totals}"
    seconds = time.perf_counter() - start
    assert models.Cookie.objects.count() == size
    print(json.dumps({"seconds": seconds, "peak": peak_resident_mib()}))


def run_child(what, size, path):
    output = subprocess.run(
        [sys.executable, __file__, "--child", what, str(size), str(path)],
        check=True,
        capture_output=True,
        text=True,
        # As in production: with DEBUG on, Django would keep the SQL of the last 9,000 queries
        # (each batch of a bulk insert as one long text) and the memory would be Django's.
        env={**os.environ, "DJANGO_DEBUG": "0"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, size, path = args.child
        return child(what, int(size), path)
    call_command("migrate", verbosity=0)
    environment.print_machine_speed()
    print(
        "| rows | file | import | peak memory | every row changed | peak memory "
        "| bulk_create | peak memory | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes:
        content = csv_file(size)[0]
        changed = content.replace(b",Purpose ", b",Changed purpose ")
        with tempfile.TemporaryDirectory() as folder:
            original, update = Path(folder, "cookies.csv"), Path(folder, "changed.csv")
            original.write_bytes(content)
            update.write_bytes(changed)
            empty_register()
            imported = run_child("import", size, original)
            updated = run_child("update", size, update)
            empty_register()
            bare = run_child("bare", size, original)
        print(
            f"| {size:,} | {len(content) / 2**20:.1f} MiB | {imported['seconds']:.2f} s "
            f"| {imported['peak']:.0f} MiB | {updated['seconds']:.2f} s "
            f"| {updated['peak']:.0f} MiB | {bare['seconds']:.2f} s | {bare['peak']:.0f} MiB "
            f"| {imported['seconds'] / bare['seconds']:.1f}× |",
            flush=True,
        )
    empty_register()


if __name__ == "__main__":
    main()
