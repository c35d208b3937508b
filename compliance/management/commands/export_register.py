from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compliance.imports import export_bytes
from compliance.resources import model_for


class Command(BaseCommand):
    help = "Export a register as csv, xlsx or json (columns as imports read them)."

    def add_arguments(self, parser):
        parser.add_argument("model", help="cookie, storageitem, processor, datacategory, ...")
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument("-o", "--output", required=True, help="File to write; - for stdout.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the choices' labels in CSV and XLSX (JSON gives their codes).",
        )
        parser.add_argument(
            "--no-bom", action="store_true", help="CSV without the UTF-8 byte-order mark."
        )

    def handle(self, *args, model, format, output, language, no_bom, **options):
        register = model_for(model)
        if register is None:
            raise CommandError(f"Unknown register {model!r}.")
        content = export_bytes(register, format, language=language, bom=not no_bom)
        if output == "-":
            self.stdout.write(content.decode("utf-8-sig"), ending="")
            return
        try:
            Path(output).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        self.stdout.write(f"Wrote {output}")
