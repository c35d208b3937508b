"""The admin site: its index page is the register's dashboard, and its navigation groups the
register the way a legal team thinks of it, each entry with its number of rows."""

from django.contrib import admin
from django.db import connection
from django.utils.translation import gettext_lazy as _

from compliance import dashboard

# The navigation's groups, by model name; models of the app not named here follow, under the
# app's own name.
NAVIGATION = [
    (_("Organisation"), ["organisation", "contact", "technicalmeasure"]),
    (
        _("Data and purposes"),
        ["datasubjectcategory", "datacategory", "dataelement", "purpose", "policyclause"],
    ),
    (_("Sub-processors"), ["processor", "changenotice"]),
    (_("Cookies and storage"), ["cookie", "storageitem", "knowncookie"]),
    (_("Releases and documents"), ["release", "redaction"]),
]


def row_counts(models):
    """{model: number of rows} of `models`, in one query whatever their number."""
    if not models:
        return {}
    quote = connection.ops.quote_name
    columns = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return dict(zip(models, cursor.fetchone(), strict=True))


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

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list  # an app's own page lists it as it is
        ours = next((app for app in app_list if app["app_label"] == "compliance"), None)
        if ours is None:
            return app_list
        entries = {entry["object_name"].lower(): entry for entry in ours["models"]}
        counts = row_counts([entry["model"] for entry in ours["models"]])
        for entry in ours["models"]:
            entry["count"] = counts[entry["model"]]
        groups = []
        for title, names in NAVIGATION:
            members = [entries.pop(name) for name in names if name in entries]
            if members:
                groups.append({**ours, "name": str(title), "models": members})
        if entries:
            groups.append({**ours, "models": list(entries.values())})
        return groups + [app for app in app_list if app is not ours]
