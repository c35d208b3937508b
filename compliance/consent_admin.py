"""Consent records in the admin: read-only. Find a visitor's records by their consent id, and
export a period as CSV; nobody adds, changes or deletes a record here (compliance/consent_log.py
writes them, its retention task deletes them)."""

import datetime
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from compliance import consent_log
from compliance.admin_base import ReadOnlyAdmin
from compliance.models import ConsentRecord

# The longest period one export covers.
EXPORT_MAX_DAYS = 366


class ExportForm(forms.Form):
    start = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("to (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(gettext("The period ends before it starts."))
            if (end - start).days >= EXPORT_MAX_DAYS:
                raise forms.ValidationError(
                    ngettext(
                        "Export at most %(days)d day at a time.",
                        "Export at most %(days)d days at a time.",
                        EXPORT_MAX_DAYS,
                    )
                    % {"days": EXPORT_MAX_DAYS}
                )
        return cleaned


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "recorded_at", "consent_id", "origin", "accepted_list", "rejected_list",
        "release_number", "language",
    ]  # fmt: skip
    list_filter = ["language", "site"]
    date_hierarchy = "recorded_at"
    search_fields = ["=consent_id"]
    search_help_text = _("The consent id a visitor gives (their banner stores it).")
    list_select_related = ["site"]
    show_full_result_count = False  # counting every record of a busy site is slow
    change_list_template = "compliance/admin/consent_record_change_list.html"
    fields = [
        "consent_id", "recorded_at", "site", "origin", "accepted", "rejected",
        "services_accepted", "services_rejected", "release_number", "content_hash", "language",
        "ip_prefix", "user_agent_hash",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=pgettext_lazy("consent record", "accepted"))
    def accepted_list(self, record):
        return ", ".join(record.accepted) or "—"

    @admin.display(description=pgettext_lazy("consent record", "refused"))
    def rejected_list(self, record):
        return ", ".join(record.rejected) or "—"

    def get_search_results(self, request, queryset, search_term):
        """An exact consent id; anything that is not one finds nothing (and says why)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            consent_id = uuid.UUID(term)
        except ValueError:
            messages.warning(request, gettext("A consent id looks like 3f2b8c1e-…: 32 hex digits."))
            return queryset.none(), False
        return queryset.filter(consent_id=consent_id), False

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="compliance_consentrecord_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        form = ExportForm(
            request.GET if "start" in request.GET else None,
            initial={"start": today - datetime.timedelta(days=29), "end": today},
        )
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            response = StreamingHttpResponse(
                consent_log.export_csv_lines(start, end), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="consent-records-{start}-{end}.csv"'
            )
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Export consent records"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "compliance/admin/consent_export.html", context)
