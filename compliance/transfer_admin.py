"""Import and export views of the register admins: thin, over compliance.imports.

An import is two background tasks the uploader watches (compliance/import_jobs.py): the file is
checked, writing nothing, and its preview shown (the rows it adds or changes and a count of the
unchanged, or every problem); once confirmed, it is written. A job is visible to the user who
uploaded it only.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from compliance import import_jobs, tasks
from compliance.imports import FORMATS, ImportFailed, export_bytes, format_of
from compliance.models import ImportJob, ImportPhase, JobState
from compliance.resources import required_columns, resource_for
from compliance.worker import workers_alive

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# How often the page of a running import reloads itself (seconds).
REFRESH_SECONDS = 2


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("From the file name")), *[(f, f.upper()) for f in FORMATS]],
        required=False,
    )


class TransferAdminMixin:
    """Import (with preview) and export (of the filtered changelist) for a register admin."""

    change_list_template = "compliance/admin/register_change_list.html"

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name=f"{prefix}_import"),
            path("import/<int:job_id>/", view(self.import_job_view), name=f"{prefix}_import_job"),
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
        try:
            content = export_bytes(self.model, file_format, queryset=queryset)
        except ImportFailed as failed:
            for error in failed.errors:
                messages.error(request, error)
            return redirect(
                reverse(
                    f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"
                )
            )
        response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
        filename = f"{self.model._meta.model_name}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def import_formats(self):
        choices = list(FORMATS)
        if self.model._meta.model_name == "cookie":
            choices.append("ocd")
        return choices

    def _import_context(self, request):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "columns": [f.column_name for f in resource_for(self.model)().get_import_fields()],
            "required": required_columns(self.model),
            "max_bytes": settings.IMPORT_MAX_BYTES,
            "is_cookie": self.model._meta.model_name == "cookie",
        }

    def _import_form(self, request):
        form = ImportForm(request.POST or None, request.FILES or None)
        form.fields["format"].choices = [("", _("From the file name"))] + [
            (name, name.upper() if name != "ocd" else "Open Cookie Database CSV")
            for name in self.import_formats()
        ]
        return form

    def import_view(self, request):
        """Upload a file: its check is queued and its page shown."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        import_jobs.remove_abandoned()
        context = self._import_context(request)
        form = self._import_form(request)
        context["form"] = form
        context["recent_jobs"] = [
            (job, self._job_url(job))
            for job in ImportJob.objects.filter(
                created_by=request.user, model_name=self.model._meta.model_name
            ).defer("content", "preview", "outcome")[:10]
        ]
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
                file_format = form.cleaned_data["format"] or format_of(upload.name)
                if file_format == "ocd" and self.model._meta.model_name != "cookie":
                    raise ImportFailed(
                        [gettext("The Open Cookie Database imports into cookies only.")]
                    )
            except ImportFailed as failed:
                context["errors"] = failed.errors
            else:
                job = tasks.start_import(
                    user=request.user,
                    model=self.model,
                    content=upload.read(),
                    file_format=file_format,
                    file_name=upload.name,
                )
                return redirect(self._job_url(job))
        return TemplateResponse(request, "compliance/admin/import.html", context)

    def _job_url(self, job):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_import_job", args=[job.pk])

    def import_job_view(self, request, job_id):
        """An import's progress, its preview (and the confirmation), or its outcome."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = ImportJob.objects.filter(
            pk=job_id, created_by=request.user, model_name=self.model._meta.model_name
        ).first()
        if job is None:
            raise Http404
        if request.method == "POST":
            if not tasks.confirm_import(job):
                job.refresh_from_db()
                if not job.problems:
                    job.problems = [gettext("The uploaded file has expired: upload it again.")]
            else:
                return redirect(self._job_url(job))
        context = {**self._import_context(request), "job": job}
        if job.pending:
            context["refresh_seconds"] = REFRESH_SECONDS
            context["no_worker"] = workers_alive() == 0
        elif job.problems:
            context["errors"] = job.problems
            context["form"] = self._import_form(request)
        elif job.state == JobState.FAILED:
            context["errors"] = [job.error]
            context["form"] = self._import_form(request)
        elif job.phase == ImportPhase.VALIDATE:
            context["preview"] = self._shown(job.preview)
        else:
            context["outcome"] = self._shown(job.outcome)
        return TemplateResponse(request, "compliance/admin/import.html", context)

    @staticmethod
    def _shown(result):
        if "ocd" in result:
            return {"ocd_summary": import_jobs.ocd_summary(result["ocd"])}
        if "effects" in result:
            # Unchanged rows are counted in the summary, not listed: a re-import of a large
            # register would otherwise bury its few changes among thousands of rows. Checks made
            # before the changes were recorded have three parts a row.
            result = {
                **result,
                "effects": [[*row, []][:4] for row in result["effects"] if row[1] != "skip"],
            }
        return result
