"""Throughput of POST /api/v1/consent (issue 19's figure) against a trivial view, on gunicorn
and PostgreSQL.

Publishes the demo release and registers a site (on the PostgreSQL database DATABASE_URL names,
by default postgres://register:register@127.0.0.1:5432/register_bench, created if missing),
starts gunicorn with 2 workers on 127.0.0.1 in production settings, and sends the same number of
requests at 50 connections, with ApacheBench (Debian's apache2-utils), first to /healthz (a view
answering "ok"), then as consent records from the registered site's origin. Prints requests
per second of both, their ratio, the 99th-percentile latency, the errors, and the rows written
beside the requests answered 204. The rate limit per address is lifted for the run (every
request comes from 127.0.0.1); it is still checked on each. Run from the project root:

    .venv/bin/python bench/consent_records.py [--requests 20000]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import uuid
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgres://register:register@127.0.0.1:5432/register_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
if not os.environ["DATABASE_URL"].startswith("postgres"):
    raise SystemExit("This benchmark measures PostgreSQL: set DATABASE_URL to a postgres:// one.")


def create_database_if_missing(url):
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


create_database_if_missing(os.environ["DATABASE_URL"])

from bench import environment  # noqa: E402

environment.setup("consent")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from compliance.demo import load_demo  # noqa: E402
from compliance.models import ConsentRecord, Release, ScanSite  # noqa: E402
from compliance.releases import publish  # noqa: E402

SITE = "https://shop.example.com"


def empty_the_log():
    """No record left, nor the dead rows and index entries of earlier runs (a DELETE leaves
    them until a vacuum, and each run would insert into a larger table than the last)."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ConsentRecord._meta.db_table}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args()
    if not shutil.which("ab"):
        raise SystemExit("ApacheBench is needed: apt-get install apache2-utils")
    call_command("migrate", verbosity=0)
    load_demo()
    release = Release.objects.order_by("-number").first() or publish(note="Benchmark")
    ScanSite.objects.get_or_create(name="Bench shop", defaults={"base_url": SITE + "/"})
    empty_the_log()
    record = {
        "consent_id": str(uuid.uuid4()),
        "accepted": ["necessary", "statistics"],
        "rejected": ["preferences", "marketing"],
        "services_accepted": ["smartlook-com-s-r-o"],
        "services_rejected": ["smartsupp-com-s-r-o"],
        "release": release.number,
        "content_hash": release.content_hash,
        "language": "pl",
    }
    body = Path(tempfile.mkdtemp()) / "record.json"
    body.write_text(json.dumps(record))
    try:
        with environment.gunicorn(CONSENT_RATE_PER_MINUTE=str(10**9)) as base:
            post = partial(
                environment.apache_bench,
                f"{base}/api/v1/consent",
                headers=[f"Origin: {SITE}"],
                body=body,
                content_type="text/plain;charset=UTF-8",
            )
            post(200)  # warm: connections, caches
            empty_the_log()
            trivial = environment.apache_bench(f"{base}/healthz", args.requests)
            consent = post(args.requests)
        written = ConsentRecord.objects.count()
        print(f"/healthz: {trivial[0]:.0f} requests/s, p99 {trivial[1]} ms, {trivial[2]} errors")
        print(
            f"POST /api/v1/consent: {consent[0]:.0f} records/s, p99 {consent[1]} ms, "
            f"{consent[2]} errors, {consent[3]} answered 204, {written} rows written"
        )
        print(f"ratio consent records / trivial view: {consent[0] / trivial[0]:.2f}")
    finally:
        empty_the_log()


if __name__ == "__main__":
    main()
