"""Snapshot, publish and diff on a register of 10,000 cookies and storage items.

Prints the median time of each over several rounds, and the peak memory (tracemalloc) of one
snapshot and of one diff. Uses bench/releases.sqlite3 unless DATABASE_URL is set. Run from the
project root:

    .venv/bin/python bench/releases.py [--rounds 5] [--items 50000]
"""

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("releases")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.large_register import fill  # noqa: E402
from compliance import models  # noqa: E402
from compliance.diff import diff_snapshots  # noqa: E402
from compliance.releases import publish  # noqa: E402
from compliance.snapshot import build_snapshot, canonical_json  # noqa: E402

CHANGED_PER_RELEASE = 100


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def peak_mib(function):
    tracemalloc.start()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def classify_everything():
    # Publishing refuses unclassified items; the benchmark register classifies them all.
    models.Cookie.objects.filter(category="unclassified").update(category="necessary")
    models.StorageItem.objects.filter(category="unclassified").update(category="necessary")


def change_some_items(round_number):
    """A realistic release: a hundred cookies get a new Polish description."""
    cookies = models.Cookie.objects.order_by("pk")[:CHANGED_PER_RELEASE]
    for cookie in cookies:
        cookie.description_pl = f"Opis w wydaniu {round_number}"
        cookie.save()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", type=int, default=10_000, help="cookies and storage items")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        # Releases are immutable through the ORM; the benchmark starts from an empty table.
        for table in ("documentrender", "releasedocument", "changenotice", "release"):
            cursor.execute(f"DELETE FROM compliance_{table}")
    fill(items=args.items, processors=max(args.items // 50, 1))
    classify_everything()
    items = models.Cookie.objects.count() + models.StorageItem.objects.count()
    processors = models.Processor.objects.count()
    print(f"register: {items} cookies and storage items, {processors} processors")

    snapshot_times = [timed(build_snapshot)[0] for _ in range(args.rounds)]
    snapshot = build_snapshot()
    size_mib = len(canonical_json(snapshot).encode()) / 2**20
    print(
        f"snapshot: median {statistics.median(snapshot_times) * 1000:.0f} ms over {args.rounds}, "
        f"peak memory {peak_mib(build_snapshot):.0f} MiB, JSON {size_mib:.1f} MiB"
    )

    publish_times = []
    for round_number in range(args.rounds):
        if round_number:
            change_some_items(round_number)
        publish_times.append(timed(lambda n=round_number: publish(note=f"Bench {n}"))[0])
    print(f"publish: median {statistics.median(publish_times) * 1000:.0f} ms over {args.rounds}")

    older, newer = models.Release.objects.order_by("-number")[1], models.Release.objects.latest()
    diff_times = []
    for _ in range(args.rounds):
        elapsed, diff = timed(lambda: diff_snapshots(older.snapshot, newer.snapshot))
        diff_times.append(elapsed)
    print(
        f"diff of releases {older.number} and {newer.number} ({diff['total']} rows changed): "
        f"median {statistics.median(diff_times) * 1000:.0f} ms over {args.rounds}, "
        f"peak memory {peak_mib(lambda: diff_snapshots(older.snapshot, newer.snapshot)):.0f} MiB"
    )


if __name__ == "__main__":
    main()
