from django.core.management.base import BaseCommand

from compliance.snapshot import SCHEMA_PATH, write_schema


class Command(BaseCommand):
    help = "Rewrite compliance/snapshot.schema.json from the models (after changing a model)."

    def handle(self, *args, **options):
        write_schema()
        self.stdout.write(f"Wrote {SCHEMA_PATH}")
