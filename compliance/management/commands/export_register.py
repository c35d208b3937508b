from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compliance import backup
from compliance.imports import export_bytes
from compliance.reading import ImportFailed
from compliance.resources import model_for


class Command(BaseCommand):
    help = (
        "Export a register as csv, xlsx or json (columns as imports read them), or every "
        "register ('all') as one xlsx (a sheet per register) or json file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "model", help="all, or one register: cookie, storageitem, processor, ..."
        )
        parser.add_argument(
            "--format",
            choices=["csv", "xlsx", "json"],
            help="Default: the output file's extension, else csv.",
        )
        parser.add_argument("-o", "--output", required=True, help="File to write; - for stdout.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the choices' labels and sheet names in CSV and XLSX (JSON gives "
            "codes).",
        )
        parser.add_argument(
            "--no-bom", action="store_true", help="CSV without the UTF-8 byte-order mark."
        )

    def handle(self, *args, model, format, output, language, no_bom, **options):
        extension = Path(output).suffix.lstrip(".").lower()
        file_format = format or (extension if extension in ("csv", "xlsx", "json") else "csv")
        if output == "-" and file_format == "xlsx":
            raise CommandError("XLSX is binary: write it to a file with -o FILE.xlsx.")
        try:
            if model == "all":
                content = backup.export_all(file_format, language=language)
            else:
                register = model_for(model)
                if register is None:
                    raise CommandError(f"Unknown register {model!r}.")
                content = export_bytes(register, file_format, language=language, bom=not no_bom)
        except ImportFailed as failed:
            raise CommandError(" ".join(failed.errors)) from failed
        if output == "-":
            self.stdout.write(content.decode("utf-8-sig"), ending="")
            return
        try:
            Path(output).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        self.stdout.write(f"Wrote {output}")
