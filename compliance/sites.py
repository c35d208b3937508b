"""The admin site: its index page is the register's dashboard."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from compliance import dashboard


class ComplianceAdminSite(admin.AdminSite):
    site_header = _("GDPR register")
    site_title = _("GDPR register")
    index_title = _("Dashboard")
    index_template = "compliance/admin/dashboard.html"
    site_url = "/"

    def index(self, request, extra_context=None):
        board = dashboard.build(request)
        extra_context = {
            **(extra_context or {}),
            "board": board,
            "report": board.report,
            "publish_url": dashboard.publish_url(),
        }
        return super().index(request, extra_context)
