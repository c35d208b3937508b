"""Rendering the DPA annexes and the data-processing summary of a large register.

A register of 100 processors, 500 cookies and storage items and 40 personal-data categories
is published as a release; each document is rendered cold (from the snapshot, with WeasyPrint)
and then served again from storage. Prints median times and peak memory (RSS, as WeasyPrint's
memory is mostly outside Python) of this process and of the child processes WeasyPrint renders
in (compliance.forked). Uses bench/documents.sqlite3 unless DATABASE_URL
is set. Run from the project root:

    .venv/bin/python bench/documents.py [--rounds 3]
"""

import resource
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("documents")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from compliance import documents, models  # noqa: E402
from compliance.demo import load_demo  # noqa: E402
from compliance.releases import publish  # noqa: E402

LANGUAGES = ["en", "pl", "cs", "de"]


def fill():
    with connection.cursor() as cursor:
        for table in ("releasedocument", "documentrender", "changenotice", "release"):
            cursor.execute(f"DELETE FROM compliance_{table}")
        cursor.execute("DELETE FROM django_tasks_database_dbtaskresult")
    models.Cookie.objects.all().delete()
    models.StorageItem.objects.all().delete()
    models.Processor.objects.update(parent=None)
    models.ProcessingLocation.objects.all().delete()
    models.Processor.objects.all().delete()
    models.DataElement.objects.all().delete()
    models.Purpose.data_categories.through.objects.all().delete()
    models.DataCategory.objects.all().delete()
    load_demo()
    processors = models.Processor.objects.bulk_create(
        models.Processor(
            name=f"Processor {n:03d} s.r.o.",
            address=f"Street {n}\n602 00 Brno",
            country="CZ",
            transfer_safeguard="eea",
            contact_email=f"privacy{n}@example.com",
            **{f"processing_description_{c}": f"Hosting part {n} ({c})" for c in LANGUAGES},
        )
        for n in range(99)
    )
    models.ProcessingLocation.objects.bulk_create(
        models.ProcessingLocation(processor=p, country="CZ") for p in processors
    )
    for n in range(38):
        category = models.DataCategory.objects.create(
            slug=f"category-{n}", **{f"name_{c}": f"Category {n} ({c})" for c in LANGUAGES}
        )
        models.DataElement.objects.bulk_create(
            models.DataElement(category=category, slug=f"e{k}", name_en=f"Element {k}")
            for k in range(5)
        )
    items = 500 - models.Cookie.objects.count() - models.StorageItem.objects.count()
    models.Cookie.objects.bulk_create(
        models.Cookie(
            name=f"cookie_{n:03d}",
            category=["necessary", "preferences", "statistics", "marketing"][n % 4],
            consent_required=n % 4 != 0,
            # Third parties read the marketing cookies, as advertisers' cookies are read.
            third_party_access=n % 4 == 3,
            provider=processors[n % len(processors)],
            retention_kind="duration",
            retention_value=(n % 24) + 1,
            retention_unit="months",
            **{f"purpose_{c}": f"Purpose {n} ({c})" for c in LANGUAGES},
            **{f"description_{c}": f"What cookie {n} does ({c})." for c in LANGUAGES},
        )
        for n in range(items)
    )


def main():
    rounds = environment.rounds_argument(__doc__.splitlines()[0], default=3)
    environment.print_machine_speed()
    call_command("migrate", verbosity=0)
    fill()
    release = publish(note="Benchmark")
    items = models.Cookie.objects.count() + models.StorageItem.objects.count()
    print(
        f"register: {models.Processor.objects.count()} processors, {items} cookies and storage "
        f"items, {models.DataCategory.objects.count()} personal-data categories"
    )
    for kind in ("annex", "summary"):
        cold = []
        for round_number in range(rounds):
            language = LANGUAGES[round_number % len(LANGUAGES)]
            models.ReleaseDocument.objects.filter(release=release).delete()
            cold.append(
                environment.seconds(
                    lambda k=kind, lang=language: documents.release_document(release, k, lang)
                )
            )
        pdf = documents.release_document(release, kind, "en")
        served = [
            environment.seconds(lambda k=kind: documents.release_document(release, k, "en"))
            for _ in range(20)
        ]
        print(
            f"{kind}: cold median {statistics.median(cold):.2f} s over {rounds}, "
            f"served again median {statistics.median(served) * 1000:.1f} ms over 20, "
            f"{len(pdf) / 1024:.0f} KiB"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rendering = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak memory (RSS): {peak:.0f} MiB in this process, "
        f"{rendering:.0f} MiB in the largest rendering process"
    )
    environment.print_machine_speed()


if __name__ == "__main__":
    main()
