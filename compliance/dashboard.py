"""What the admin's front page says to do next: the latest release and what changed since, the
health findings by severity, the review queue, and recent activity with names.

Everything is counted in a few queries whatever the register's size: what changed since the
release is read from the history (rows saved, rows deleted in the admin), not by building a
snapshot; the publish page shows the real diff.
"""

from dataclasses import dataclass, field

from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from reversion.models import Revision, Version

from compliance import consent_log, objections
from compliance.health import BLOCKING, ERROR, WARNING, build_report, register_models
from compliance.models import Release

# Checks that ask a person to look again at what was imported or translated, rather than fix
# an error: the review queue.
REVIEW_CHECKS = {
    "retention_to_review",
    "category_to_review",
    "special_category_unmarked",
    # What a scan saw that the register does not declare: to add (one click) or explain.
    "scan_undeclared",
    "scan_not_seen",
    "scan_unknown_host",
}
REVIEW_PREFIXES = ("translation_review_",)
SEVERITIES = [
    (BLOCKING, _("Blocking: solve before publishing")),
    (ERROR, _("Errors")),
    (WARNING, _("Warnings")),
]
RECENT = 8
# Days of consent answers the dashboard charts.
CONSENT_DAYS = 14
# Open objections listed by name (the rest are counted, and a link lists them all).
OBJECTIONS_SHOWN = 10


def is_review(check):
    return check.code in REVIEW_CHECKS or check.code.startswith(REVIEW_PREFIXES)


@dataclass
class Dashboard:
    report: object
    latest: object = None
    edited_since: int = 0
    deleted_since: int = 0
    can_publish: bool = False
    groups: list = field(default_factory=list)  # [(label, [checks])], problems only
    review: list = field(default_factory=list)  # checks with something to review
    activity: list = field(default_factory=list)  # recent revisions
    consent: dict | None = None  # consent_log.chart(), for those who may read the records
    objections: list = field(default_factory=list)  # open objections, oldest first (a few)
    open_objection_count: int = 0

    @property
    def changes_since(self):
        return self.edited_since + self.deleted_since

    @property
    def nothing_to_do(self):
        published_and_current = self.latest is not None and not self.changes_since
        quiet = not self.groups and not self.review and not self.open_objection_count
        return published_and_current and quiet


def _changed_since(moment):
    """(rows saved, rows deleted in the admin) in the registers after `moment`."""
    types = ContentType.objects.get_for_models(*register_models()).values()
    saved = (
        Version.objects.filter(revision__date_created__gt=moment, content_type__in=types)
        .values("content_type_id", "object_id")
        .distinct()
        .count()
    )
    deleted = LogEntry.objects.filter(
        action_time__gt=moment, action_flag=DELETION, content_type__in=types
    ).count()
    return saved, deleted


def build(request):
    report = build_report()
    latest = Release.objects.select_related("published_by").order_by("-number").first()
    board = Dashboard(report=report, latest=latest)
    if latest is not None:
        board.edited_since, board.deleted_since = _changed_since(latest.published_at)
    board.can_publish = request.user.has_perm("compliance.publish_release")
    problems = [check for check in report.problems if not is_review(check)]
    board.groups = [
        (label, checks)
        for severity, label in SEVERITIES
        if (checks := [check for check in problems if check.severity == severity])
    ]
    board.review = [check for check in report.problems if is_review(check)]
    if request.user.has_perm("compliance.view_consentrecord"):
        board.consent = consent_log.chart(CONSENT_DAYS)
    if request.user.has_perm("compliance.view_objection"):
        waiting = objections.open_objections().select_related("change_notice")
        board.objections = list(waiting.order_by("submitted_at")[:OBJECTIONS_SHOWN])
        board.open_objection_count = (
            len(board.objections) if len(board.objections) < OBJECTIONS_SHOWN else waiting.count()
        )
    board.activity = list(
        Revision.objects.select_related("user")
        .prefetch_related(Prefetch("version_set", queryset=Version.objects.order_by("pk")))
        .order_by("-date_created")[:RECENT]
    )
    return board


def publish_url():
    return reverse("admin:compliance_release_publish")
