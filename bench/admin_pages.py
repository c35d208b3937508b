"""Median time of the cookie changelist (with a search) and of the dashboard on a large register.

Fills a separate SQLite database (bench/admin_pages.sqlite3, or DATABASE_URL if set) with
10,000 cookies and storage items and 200 processors, then requests each page through Django's
test client, logged in as a superuser, and prints the medians. Run from the project root:

    .venv/bin/python bench/admin_pages.py [--rounds 15]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("admin_pages")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.large_register import fill  # noqa: E402
from compliance import models  # noqa: E402


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
