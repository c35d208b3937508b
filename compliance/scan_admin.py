"""The scanner in the admin: registered sites with "Scan now", and each scan's report.

Thin: planning, running and judging a scan are compliance/scanner/; these views start a scan,
show its progress and findings, and add an undeclared item to the register on a click.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from compliance import scanner
from compliance.models import Cookie, JobState, Scan, ScanObservation, ScanSite, StorageItem
from compliance.scanner import report
from compliance.scanner.report import FindingKind

# How often the page of a running scan reloads itself (seconds).
REFRESH_SECONDS = 3


@admin.register(ScanSite)
class ScanSiteAdmin(ModelAdmin):
    list_display = ["name", "base_url", "scan_every_days", "latest_scan"]
    search_fields = ["name", "base_url"]
    change_form_template = "compliance/admin/scan_site_change_form.html"
    # An address typed without a scheme is taken as https (Django 6's default too).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "base_url", "pages", "use_sitemap", "page_limit"]}),
        (
            _("Consent banner"),
            {"fields": ["accept_selector", "reject_selector", "settle_delay_ms"]},
        ),
        (_("Schedule"), {"fields": ["scan_every_days"]}),
    ]

    def get_queryset(self, request):
        latest = Scan.objects.filter(site=OuterRef("pk")).order_by("-queued_at")
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_scan_id=Subquery(latest.values("pk")[:1]),
                latest_scan_state=Subquery(latest.values("state")[:1]),
                latest_scan_at=Subquery(latest.values("queued_at")[:1]),
            )
        )

    @admin.display(description=_("latest scan"), ordering="latest_scan_at")
    def latest_scan(self, site):
        if not site.latest_scan_id:
            return "—"
        state = JobState(site.latest_scan_state).label
        return f"{site.latest_scan_at:%Y-%m-%d %H:%M} ({state})"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:site_id>/scan/", view(self.scan_now), name="compliance_scansite_scan"),
            *super().get_urls(),
        ]

    def scan_now(self, request, site_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        site = get_object_or_404(ScanSite, pk=site_id)
        if not self.has_change_permission(request, site):
            raise PermissionDenied
        scan = scanner.start(site, request.user)
        messages.info(request, gettext("The scan of %(site)s is queued.") % {"site": site.name})
        return redirect("admin:compliance_scan_change", scan.pk)


@admin.register(Scan)
class ScanAdmin(ModelAdmin):
    """Scans are made by the scanner, never edited: the change page is the scan's report."""

    list_display = ["site", "state", "progress", "queued_at", "finished_at", "summary"]
    list_filter = ["site", "state"]
    list_select_related = ["site"]
    change_form_template = "compliance/admin/scan_report.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("page visits"))
    def progress(self, scan):
        return f"{scan.pages_done} / {scan.pages_total}"

    @admin.display(description=_("findings"))
    def summary(self, scan):
        parts = [
            f"{FindingKind.TITLES[kind]}: {scan.findings[kind]['count']}"
            for kind in FindingKind.ORDER
            if kind in scan.findings
        ]
        return "; ".join(parts) or "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:scan_id>/add/<int:observation_id>/",
                view(self.add_to_register),
                name="compliance_scan_add_to_register",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        scan = get_object_or_404(Scan.objects.select_related("site"), pk=object_id)
        if not self.has_view_permission(request, scan):
            raise PermissionDenied
        findings = report.build(scan) if not scan.pending else []
        groups = []
        for kind in FindingKind.ORDER:
            members = [finding for finding in findings if finding.kind == kind]
            if members:
                groups.append((kind, FindingKind.TITLES[kind], members))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Scan of %(site)s") % {"site": scan.site.name},
            "scan": scan,
            "groups": groups,
            "can_add": {
                "cookie": request.user.has_perm("compliance.add_cookie"),
                "storage": request.user.has_perm("compliance.add_storageitem"),
            },
            "can_scan": request.user.has_perm("compliance.change_scansite"),
            "refresh_seconds": REFRESH_SECONDS if scan.pending else None,
            "register_urls": {
                Cookie: "admin:compliance_cookie_change",
                StorageItem: "admin:compliance_storageitem_change",
            },
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def add_to_register(self, request, scan_id, observation_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        observation = get_object_or_404(
            ScanObservation.objects.select_related("scan__site"), pk=observation_id, scan_id=scan_id
        )
        model = Cookie if observation.kind == "cookie" else StorageItem
        if observation.kind not in ("cookie", *report.STORAGE_KINDS) or not request.user.has_perm(
            f"compliance.add_{model._meta.model_name}"
        ):
            raise PermissionDenied
        try:
            row = scanner.add_to_register(observation, request.user)
        except Exception as error:  # a row of that name exists already, say
            messages.error(
                request,
                gettext("%(name)s could not be added: %(error)s")
                % {"name": observation.name, "error": error},
            )
            return redirect("admin:compliance_scan_change", scan_id)
        messages.success(
            request,
            gettext(
                "%(name)s is in the register as a draft, unclassified: choose its category and "
                "check the prefilled values."
            )
            % {"name": row.name},
        )
        return redirect(reverse(f"admin:compliance_{model._meta.model_name}_change", args=[row.pk]))
