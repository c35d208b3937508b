"""Import and export views of the register admins: thin, over compliance.imports.

Import is two steps: the uploaded file is checked and run in a transaction that is rolled back
(the preview: every row's effect, or every problem), then, once confirmed, run for real. Between
the steps the file waits in a private folder of the server's temporary directory (readable by
this process's user only), under a random name bound to the user who uploaded it; it is removed
when confirmed, and any left behind (a preview never confirmed) after PENDING_IMPORT_MAX_AGE.
"""

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from compliance import ocd
from compliance.imports import (
    FORMATS,
    ImportFailed,
    export_bytes,
    format_of,
    pack_dataset,
    read_dataset,
    run_import,
    summary_of,
    unpack_dataset,
)
from compliance.resources import required_columns, resource_for

TOKEN = re.compile(r"^[0-9a-f]{32}$")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("From the file name")), *[(f, f.upper()) for f in FORMATS]],
        required=False,
    )


# Pending imports older than this are removed (seconds).
PENDING_IMPORT_MAX_AGE = 3600
# What a pending file holds: the rows as read (packed), or an Open Cookie Database file.
PENDING_TABLE, PENDING_OCD = b"table\n", b"ocd\n"


def _pending_folder():
    folder = Path(tempfile.gettempdir()) / f"gdpr-register-imports-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_mode & 0o077 or folder.is_symlink():
        folder.chmod(0o700)
    return folder


def pending_path(user, token):
    return _pending_folder() / f"{user.pk}-{token}"


def _keep_pending(user, token, content):
    """Write the uploaded bytes readable by this process's user only."""
    descriptor = os.open(
        pending_path(user, token), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600
    )
    with os.fdopen(descriptor, "wb") as pending:
        pending.write(content)


def remove_stale_pending(max_age=PENDING_IMPORT_MAX_AGE):
    """Remove files of previews that were never confirmed."""
    limit = time.time() - max_age
    for pending in _pending_folder().iterdir():
        try:
            if pending.stat().st_mtime < limit:
                pending.unlink()
        except FileNotFoundError:
            pass  # confirmed or removed by another process meanwhile


def _effects(result):
    """(spreadsheet row, effect, key) of each row of an import-export result."""
    rows = []
    for number, row in enumerate(result.rows, start=2):
        instance = row.instance
        key = " / ".join(str(part) for part in instance.natural_key()) if instance else ""
        rows.append((number, row.import_type, key))
    return rows


class TransferAdminMixin:
    """Import (with preview) and export (of the filtered changelist) for a register admin."""

    change_list_template = "compliance/admin/register_change_list.html"

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name=f"{prefix}_import"),
            path("export/", view(self.export_view), name=f"{prefix}_export"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "export_formats": FORMATS,
        }
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        # The changelist's own filters and search choose the rows; 'format' is ours.
        request.GET = request.GET.copy()
        file_format = request.GET.pop("format", ["csv"])[0]
        if file_format not in FORMATS:
            file_format = "csv"
        queryset = self.get_changelist_instance(request).get_queryset(request)
        content = export_bytes(self.model, file_format, queryset=queryset)
        response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
        filename = f"{self.model._meta.model_name}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def import_formats(self):
        choices = list(FORMATS)
        if self.model._meta.model_name == "cookie":
            choices.append("ocd")
        return choices

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        remove_stale_pending()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "columns": [f.column_name for f in resource_for(self.model)().get_import_fields()],
            "required": required_columns(self.model),
            "max_bytes": settings.IMPORT_MAX_BYTES,
            "is_cookie": self.model._meta.model_name == "cookie",
        }
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request, context)
        form = ImportForm(request.POST or None, request.FILES or None)
        form.fields["format"].choices = [("", _("From the file name"))] + [
            (name, name.upper() if name != "ocd" else "Open Cookie Database CSV")
            for name in self.import_formats()
        ]
        context["form"] = form
        if getattr(request, "upload_refused", None):
            context["errors"] = [request.upload_refused]
        elif request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > settings.IMPORT_MAX_BYTES:
                    raise ImportFailed(
                        [
                            gettext("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                            % {
                                "size": f"{upload.size:,}",
                                "limit": f"{settings.IMPORT_MAX_BYTES:,}",
                            }
                        ]
                    )
                content = upload.read()
                file_format = form.cleaned_data["format"] or format_of(upload.name)
                preview, pending = self._preview(request, content, file_format, upload.name)
                context.update(preview)
            except ImportFailed as failed:
                context["errors"] = failed.errors
            else:
                token = secrets.token_hex(16)
                _keep_pending(request.user, token, pending)
                context.update(token=token, file_format=file_format, file_name=upload.name)
        return TemplateResponse(request, "compliance/admin/import.html", context)

    def _preview(self, request, content, file_format, name):
        """(what the preview shows, what waits for the confirmation): the rows as read, so
        that confirming does not parse the file again; an Open Cookie Database file as is."""
        if file_format == "ocd":
            if self.model._meta.model_name != "cookie":
                raise ImportFailed([gettext("The Open Cookie Database imports into cookies only.")])
            report = ocd.import_ocd(content, user=request.user, dry_run=True, source=name)
            return {"ocd_report": report}, PENDING_OCD + content
        dataset = read_dataset(content, file_format)
        result = run_import(self.model, dataset, user=request.user, dry_run=True, source=name)
        preview = {"summary": summary_of(result), "effects": _effects(result)}
        return preview, PENDING_TABLE + pack_dataset(dataset)

    def _confirm(self, request, context):
        token = request.POST.get("token", "")
        name = request.POST.get("file_name", "")[:200]
        pending = pending_path(request.user, token) if TOKEN.match(token) else None
        if pending is None or not pending.exists():
            context["errors"] = [gettext("The uploaded file has expired: upload it again.")]
            context["form"] = ImportForm()
            return TemplateResponse(request, "compliance/admin/import.html", context)
        try:
            kept = pending.read_bytes()
            if kept.startswith(PENDING_OCD):
                outcome = ocd.import_ocd(
                    kept[len(PENDING_OCD) :], user=request.user, dry_run=False, source=name
                )
            else:
                dataset = unpack_dataset(kept[len(PENDING_TABLE) :])
                outcome = run_import(self.model, dataset, user=request.user, source=name)
        except ImportFailed as failed:
            context["errors"] = failed.errors
            context["form"] = ImportForm()
            return TemplateResponse(request, "compliance/admin/import.html", context)
        finally:
            pending.unlink(missing_ok=True)
        if isinstance(outcome, ocd.OcdImportReport):
            messages.success(request, outcome.summary())
        else:
            totals = summary_of(outcome)
            messages.success(
                request,
                gettext(
                    "Imported %(total)d rows from %(file)s: %(new)d new, %(update)d updated, "
                    "%(skip)d unchanged."
                )
                % {**totals, "file": name},
            )
        return redirect(
            f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"
        )
