"""The admin site (django-unfold's theme): its index page is the register's dashboard, and its
sidebar groups the register the way a legal team thinks of it, each entry with its number of
rows."""

from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.sites import UnfoldAdminSite

from compliance import dashboard

# The navigation's groups, by model name; models of the app not named here follow, under the
# app's own name.
NAVIGATION = [
    (_("Organisation"), ["organisation", "contact", "technicalmeasure"]),
    (
        _("Data and purposes"),
        ["datasubjectcategory", "datacategory", "dataelement", "purpose", "policyclause"],
    ),
    (_("Sub-processors"), ["processor", "changenotice", "objection", "subscriber", "delivery"]),
    (_("Cookies and storage"), ["cookie", "storageitem", "knowncookie", "scansite", "scan"]),
    (_("Releases and documents"), ["release", "redaction"]),
    (pgettext_lazy("navigation group", "Consent"), ["consentrecord"]),
]
# Tables too large to count on every page (a busy site records consent many times a second).
UNCOUNTED = {"consentrecord"}

# The sidebar's icon for each model (names of the Material Symbols font that unfold ships).
ICONS = {
    "organisation": "apartment",
    "contact": "contact_mail",
    "technicalmeasure": "shield_lock",
    "datasubjectcategory": "groups",
    "datacategory": "category",
    "dataelement": "data_object",
    "purpose": "flag",
    "policyclause": "article",
    "processor": "hub",
    "changenotice": "campaign",
    "objection": "pan_tool",
    "subscriber": "mark_email_read",
    "delivery": "outgoing_mail",
    "cookie": "cookie",
    "storageitem": "database",
    "knowncookie": "menu_book",
    "scansite": "travel_explore",
    "scan": "radar",
    "release": "new_releases",
    "redaction": "visibility_off",
    "consentrecord": "how_to_reg",
    "user": "person",
    "group": "badge",
}


def row_counts(models):
    """{model: number of rows} of `models`, in one query whatever their number."""
    if not models:
        return {}
    quote = connection.ops.quote_name
    columns = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return dict(zip(models, cursor.fetchone(), strict=True))


class ComplianceAdminSite(UnfoldAdminSite):
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
        # The admin asks for its app list more than once per page: count once per request.
        if not hasattr(request, "register_row_counts"):
            request.register_row_counts = row_counts(
                [e["model"] for e in ours["models"] if e["model"]._meta.model_name not in UNCOUNTED]
            )
        for entry in ours["models"]:
            if entry["model"] in request.register_row_counts:
                entry["count"] = request.register_row_counts[entry["model"]]
        groups = []
        for title, names in NAVIGATION:
            members = [entries.pop(name) for name in names if name in entries]
            if members:
                groups.append({**ours, "name": str(title), "models": members})
        if entries:
            groups.append({**ours, "models": list(entries.values())})
        return groups + [app for app in app_list if app is not ours]

    def get_sidebar_list(self, request):
        """unfold's sidebar: the dashboard, then the groups of get_app_list() (which holds only
        what the user may see), each model with its icon and number of rows."""
        dashboard_link = reverse(f"{self.name}:index")
        groups = [
            {
                "items": [
                    {
                        "title": _("Dashboard"),
                        "icon": "dashboard",
                        "link": dashboard_link,
                        "active": request.path == dashboard_link,
                        "has_permission": True,
                    }
                ]
            }
        ]
        for app in self.get_app_list(request):
            items = [
                {
                    "title": entry["name"],
                    "icon": ICONS.get(entry["object_name"].lower(), "table"),
                    "link": entry["admin_url"],
                    "active": request.path.startswith(entry["admin_url"]),
                    "badge": str(entry["count"]) if "count" in entry else None,
                    "badge_variant": "info",
                    "has_permission": True,
                }
                for entry in app["models"]
                if entry.get("admin_url")
            ]
            groups.append({"title": app["name"], "separator": True, "items": items})
        return groups
