"""Median time of the cookie changelist (with a search) and of the dashboard on a large register.

Fills a separate SQLite database (bench/admin_pages.sqlite3, or DATABASE_URL if set) with
10,000 cookies and storage items and 200 processors, then requests each page through Django's
test client, logged in as a superuser, and prints the medians. Run from the project root:

    .venv/bin/python bench/admin_pages.py [--rounds 15]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'admin_pages.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from compliance import models  # noqa: E402
from compliance.retention import RetentionKind, RetentionUnit  # noqa: E402

COOKIES = 6_000
STORAGE_ITEMS = 4_000
PROCESSORS = 200
CATEGORIES = [c for c, _label in models.TrackingCategory.choices]


def fill():
    models.Cookie.objects.all().delete()
    models.StorageItem.objects.all().delete()
    models.ProcessingLocation.objects.all().delete()
    models.Processor.objects.all().delete()
    processors = models.Processor.objects.bulk_create(
        models.Processor(
            name=f"Processor {n:03d} s.r.o.",
            country="CZ" if n % 3 else "US",
            transfer_safeguard="eea" if n % 3 else "",
            processing_description_en=f"Hosting and support tooling number {n}",
        )
        for n in range(PROCESSORS)
    )
    models.ProcessingLocation.objects.bulk_create(
        models.ProcessingLocation(processor=p, country=p.country) for p in processors
    )

    def item(n):
        duration = n % 4 != 0
        return {
            "name": f"tracker_{n:05d}" if n % 10 else f"ssupp_<CHAT_KEY>_{n}",
            "provider": processors[n % PROCESSORS] if n % 2 else None,
            "category": CATEGORIES[n % len(CATEGORIES)],
            "consent_required": n % 7 != 0,
            "purpose_en": f"Purpose of item {n}",
            "purpose_pl": f"Cel elementu {n}" if n % 5 else None,
            "description_en": f"Remembers something about visitor session {n}",
            "retention_kind": RetentionKind.DURATION if duration else RetentionKind.PERSISTENT,
            "retention_value": (n % 30) + 1 if duration else None,
            "retention_unit": RetentionUnit.MONTHS if duration else "",
        }

    models.Cookie.objects.bulk_create(
        (models.Cookie(**item(n)) for n in range(COOKIES)), batch_size=1000
    )
    models.StorageItem.objects.bulk_create(
        (models.StorageItem(**item(n)) for n in range(STORAGE_ITEMS)), batch_size=1000
    )


def median_ms(client, url, rounds):
    client.get(url)  # warm up caches, templates, the session
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    fill()
    setup_test_environment()
    user, _created = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    items = models.Cookie.objects.count() + models.StorageItem.objects.count()
    processors = models.Processor.objects.count()
    print(f"register: {items} cookies and storage items, {processors} processors")
    pages = [
        ("cookie changelist, search 'session'", "/admin/compliance/cookie/?q=session"),
        ("cookie changelist, first page", "/admin/compliance/cookie/"),
        ("dashboard (admin index)", "/admin/"),
    ]
    for label, url in pages:
        median = median_ms(client, url, args.rounds)
        print(f"{label}: median {median:.0f} ms over {args.rounds} requests")


if __name__ == "__main__":
    main()
