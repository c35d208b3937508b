from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.imports import ImportFailed
from compliance.ocd import LIBRARY_FILE, load_library


class Command(BaseCommand):
    help = (
        "Load or refresh the known-cookie library from an Open Cookie Database CSV "
        "(default: the copy shipped with the product)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(LIBRARY_FILE))

    def handle(self, *args, file, **options):
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        try:
            report = load_library(content)
        except ImportFailed as failed:
            raise CommandError(" ".join(failed.errors)) from failed
        self.stdout.write(report.summary())
