from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from compliance import backup, ocd
from compliance.imports import ImportFailed, format_of, import_file, summary_of
from compliance.resources import IMPORTABLE_MODELS


class Command(BaseCommand):
    help = (
        "Import a register file (csv, xlsx, json, or the Open Cookie Database's csv with "
        "--format ocd). All rows or none: any problem stops the import and is reported."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "model",
            help="all (a file export_register all wrote), or one register: cookie, ...",
        )
        parser.add_argument("file")
        parser.add_argument("--format", choices=["csv", "xlsx", "json", "ocd"])
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--user",
            help="Record the import in the history as this user (needs add and change rights).",
        )

    def handle(self, *args, model, file, format, dry_run, user, **options):
        path = Path(file)
        importer = self._user(user, model)
        try:
            if model == "all":
                return self._import_all(self._read(path), path, format, importer, dry_run)
            if format == "ocd":
                if model != "cookie":
                    raise ImportFailed(["--format ocd imports into the cookie register only."])
                report = ocd.import_ocd(
                    self._read(path), user=importer, dry_run=dry_run, source=path.name
                )
                self.stdout.write(report.summary())
                return
            result = import_file(
                model,
                # Not kept here: import_file lets the bytes go once the rows are read.
                self._read(path),
                file_format=format_of(path.name, format),
                user=importer,
                dry_run=dry_run,
                source=path.name,
            )
        except ImportFailed as failed:
            raise CommandError(" ".join(failed.errors)) from failed
        totals = summary_of(result)
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {totals['total']} rows: {totals['new']} new, {totals['update']} updated, "
            f"{totals['skip']} unchanged."
        )

    @staticmethod
    def _read(path):
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error

    def _import_all(self, content, path, format, importer, dry_run):
        results = backup.import_all(
            content,
            format_of(path.name, format),
            user=importer,
            dry_run=dry_run,
            source=path.name,
        )
        verb = "Would import" if dry_run else "Imported"
        for model, result in results:
            totals = summary_of(result)
            self.stdout.write(
                f"{verb} {model._meta.verbose_name_plural}: {totals['total']} rows, "
                f"{totals['new']} new, {totals['update']} updated, {totals['skip']} unchanged."
            )

    def _user(self, username, model):
        if not username:
            return None
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"There is no user {username!r}.") from error
        names = [m._meta.model_name for m in IMPORTABLE_MODELS] if model == "all" else [model]
        for name in names:
            if not (
                user.has_perm(f"compliance.add_{name}")
                and user.has_perm(f"compliance.change_{name}")
            ):
                raise CommandError(f"{username} may not import {name} rows.")
        return user
