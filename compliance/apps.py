from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("GDPR register")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the edit-version and translation-review signal receivers.
        from compliance import concurrency, feed, translation_review  # noqa: F401


class ComplianceAdminConfig(AdminConfig):
    """The admin, with the register dashboard as its index page."""

    default_site = "compliance.sites.ComplianceAdminSite"
