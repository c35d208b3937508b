"""Throughput of the public cookie page against a trivial view, on gunicorn.

Publishes a release of 500 cookies and storage items, or --items N (bench/public.sqlite3 unless
DATABASE_URL is set), starts gunicorn with 2 workers on 127.0.0.1 in production settings, and loads
/pl/cookies/ and /healthz (a view that answers "ok") with the same fixed number of requests at
50 connections, using ApacheBench (Debian's apache2-utils). Prints requests per second of both,
their ratio, the 99th-percentile latency and the errors. Run from the project root:

    .venv/bin/python bench/public_pages.py [--requests 20000] [--items 10000]
"""

import argparse
import shutil
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import environment  # noqa: E402

environment.setup("public")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from compliance import models  # noqa: E402
from compliance.demo import load_demo  # noqa: E402
from compliance.releases import publish  # noqa: E402


def fill_and_publish(items):
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for table in ("documentrender", "releasedocument", "changenotice", "release"):
            cursor.execute(f"DELETE FROM compliance_{table}")
    models.Cookie.objects.all().delete()
    models.StorageItem.objects.all().delete()
    load_demo()
    smartlook = models.Processor.objects.first()
    extra = items - models.Cookie.objects.count() - models.StorageItem.objects.count()
    models.Cookie.objects.bulk_create(
        models.Cookie(
            name=f"tracker_{n:05d}",
            category=["necessary", "preferences", "statistics", "marketing"][n % 4],
            consent_required=n % 4 != 0,
            provider=smartlook if n % 2 else None,
            retention_kind="duration",
            retention_value=(n % 24) + 1,
            retention_unit="months",
            **{f"purpose_{c}": f"Purpose {n} ({c})" for c in ("en", "pl", "cs", "de")},
            **{
                f"description_{c}": f"Description of cookie {n} ({c})."
                for c in ("en", "pl", "cs", "de")
            },
        )
        for n in range(extra)
    )
    return publish(note=f"Benchmark {time.time():.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--items", type=int, default=500)
    args = parser.parse_args()
    if not shutil.which("ab"):
        raise SystemExit("ApacheBench is needed: apt-get install apache2-utils")
    release = fill_and_publish(args.items)
    with environment.gunicorn() as base:
        for _ in range(20):  # every worker renders and remembers the page once
            urllib.request.urlopen(f"{base}/pl/cookies/").read()
        items = models.Cookie.objects.count() + models.StorageItem.objects.count()
        print(f"release {release.number}: {items} items")
        # Plain, as ApacheBench asks by default; then as older clients and CDNs ask (gzip), and
        # as today's browsers ask (Brotli first).
        for label, headers in (
            ("plain", ()),
            ("gzip", ("Accept-Encoding: gzip",)),
            ("br", ("Accept-Encoding: gzip, deflate, br",)),
        ):
            page = environment.apache_bench(f"{base}/pl/cookies/", args.requests, headers)
            trivial = environment.apache_bench(f"{base}/healthz", args.requests, headers)
            rate, p99, errors, _ok = page
            print(f"[{label}] /pl/cookies/: {rate:.0f} requests/s, p99 {p99} ms, {errors} errors")
            rate, p99, errors, _ok = trivial
            print(f"[{label}] /healthz: {rate:.0f} requests/s, p99 {p99} ms, {errors} errors")
            print(f"[{label}] ratio cookie page / trivial view: {page[0] / trivial[0]:.2f}")


if __name__ == "__main__":
    main()
