"""A large register for the benchmarks: 10,000 cookies and storage items, 200 processors (or
any size: fill(items=50_000, processors=2_000))."""

from django.core.management import call_command
from django.db import connection

from compliance import models
from compliance.demo import load_demo
from compliance.releases import publish
from compliance.retention import RetentionKind, RetentionUnit

COOKIES = 6_000
STORAGE_ITEMS = 4_000
PROCESSORS = 200
CATEGORIES = [c for c, _label in models.TrackingCategory.choices]


def fill(items=COOKIES + STORAGE_ITEMS, processors=PROCESSORS, classified=False):
    """Replace the cookies, storage items and processors with a large, varied set: 60 % of
    `items` cookies, the rest storage items. `classified` leaves no item unclassified (a
    register that can be published)."""
    cookies = items * COOKIES // (COOKIES + STORAGE_ITEMS)
    categories = [c for c in CATEGORIES if c != "unclassified"] if classified else CATEGORIES
    models.Cookie.objects.all().delete()
    models.StorageItem.objects.all().delete()
    models.ProcessingLocation.objects.all().delete()
    models.Processor.objects.all().delete()
    provider_count = processors
    processors = models.Processor.objects.bulk_create(
        models.Processor(
            name=f"Processor {n:03d} s.r.o.",
            country="CZ" if n % 3 else "US",
            transfer_safeguard="eea" if n % 3 else "",
            processing_description_en=f"Hosting and support tooling number {n}",
        )
        for n in range(processors)
    )
    models.ProcessingLocation.objects.bulk_create(
        models.ProcessingLocation(processor=p, country=p.country) for p in processors
    )

    def item(n):
        duration = n % 4 != 0
        return {
            "name": f"tracker_{n:05d}" if n % 10 else f"ssupp_<CHAT_KEY>_{n}",
            "provider": processors[n % provider_count] if n % 2 else None,
            "category": categories[n % len(categories)],
            "consent_required": n % 7 != 0,
            "purpose_en": f"Purpose of item {n}",
            "purpose_pl": f"Cel elementu {n}" if n % 5 else None,
            "description_en": f"Remembers something about visitor session {n}",
            "retention_kind": RetentionKind.DURATION if duration else RetentionKind.PERSISTENT,
            "retention_value": (n % 30) + 1 if duration else None,
            "retention_unit": RetentionUnit.MONTHS if duration else "",
        }

    models.Cookie.objects.bulk_create(
        (models.Cookie(**item(n)) for n in range(cookies)), batch_size=1000
    )
    models.StorageItem.objects.bulk_create(
        (models.StorageItem(**item(n)) for n in range(items - cookies)), batch_size=1000
    )


def published_release(items):
    """The demo register with `items` cookies and storage items (a processor per 25), all
    classified, published as the only release."""
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for table in ("documentrender", "releasedocument", "changenotice", "release"):
            cursor.execute(f"DELETE FROM compliance_{table}")
    load_demo()
    fill(items=items, processors=max(items // 25, 1), classified=True)
    return publish(note=f"Benchmark of {items} items")
