from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compliance.documents import draft_document, release_document
from compliance.models import DocumentKind, Release


class Command(BaseCommand):
    help = "Render the DPA annexes or the data-processing summary of a release (or the draft)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[k for k, _label in DocumentKind.choices])
        parser.add_argument("--lang", required=True, choices=[c for c, _n in settings.LANGUAGES])
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--release", type=int, help="Release number (default: the latest).")
        which.add_argument("--draft", action="store_true", help="The live register, marked draft.")
        parser.add_argument("-o", "--output", required=True, help="PDF file to write.")

    def handle(self, *args, kind, lang, release, draft, output, **options):
        if draft:
            pdf = draft_document(kind, lang)
        else:
            releases = Release.objects.order_by("-number")
            chosen = releases.filter(number=release).first() if release else releases.first()
            if chosen is None:
                raise CommandError(
                    f"There is no release {release}."
                    if release
                    else "Nothing is published yet: use --draft, or publish first."
                )
            pdf = release_document(chosen, kind, lang)
        try:
            Path(output).write_bytes(pdf)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        self.stdout.write(f"Wrote {output} ({len(pdf):,} bytes)")
