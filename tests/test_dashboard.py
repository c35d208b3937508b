"""The dashboard says what to do next: the latest release and what changed since, a publish
button for publishers, findings by severity, the review queue, recent activity with names."""

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance import dashboard, models
from compliance.releases import publish
from compliance.roles import EDITOR, PUBLISHER
from tests import factories
from tests.test_roles import cookie_post

pytestmark = pytest.mark.django_db


def page(client):
    return client.get(reverse("admin:index")).content.decode()


def test_before_the_first_release(admin_client, demo):
    content = page(admin_client)
    assert 'id="never-published"' in content
    assert 'id="dashboard-publish"' in content


def test_what_changed_since_the_latest_release(admin_client, admin_user, demo):
    publish(note="First", user=admin_user)
    content = page(admin_client)
    assert "Latest release: <strong>1</strong>" in content and "published by admin" in content
    assert 'id="nothing-to-publish"' in content and 'id="dashboard-publish"' not in content
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    admin_client.post(
        reverse("admin:compliance_cookie_change", args=[cookie.pk]),
        cookie_post(cookie, purpose_en="Recognises the visitor"),
    )
    storage = models.StorageItem.objects.first()
    admin_client.post(
        reverse("admin:compliance_storageitem_delete", args=[storage.pk]), {"post": "yes"}
    )
    content = page(admin_client)
    assert "2 rows changed since then, not yet published." in content
    assert reverse("admin:compliance_release_publish") in content
    assert 'id="dashboard-publish"' in content


def test_only_publishers_get_the_publish_button(login, demo):
    assert 'id="dashboard-publish"' not in page(login(EDITOR))
    assert 'id="dashboard-publish"' in page(login(PUBLISHER))


def test_findings_by_severity_and_the_review_queue(admin_client, demo):
    factories.CookieFactory(name="new_tracker", category="unclassified")
    factories.CookieFactory(name="imported", retention_needs_review=True)
    content = page(admin_client)
    blocking = content.index("Blocking: solve before publishing")
    review = content.index('id="review-heading"')
    assert blocking < content.index("new_tracker") < review
    assert content.index("imported", review) > review  # in the review queue
    assert 'id="nothing-to-review"' not in content


def test_recent_activity_names_who_did_what(admin_client, admin_user, demo):
    admin_user.first_name, admin_user.last_name = "Alice", "Novak"
    admin_user.save()
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    admin_client.post(
        reverse("admin:compliance_cookie_change", args=[cookie.pk]),
        cookie_post(cookie, purpose_en="Recognises the visitor"),
    )
    content = page(admin_client)
    activity = content[content.index('id="recent-activity"') :]
    assert "Alice Novak" in activity and "ssupp.vid" in activity


def test_nothing_to_do_says_so():
    class Report:
        problems = []

    board = dashboard.Dashboard(report=Report(), latest=object())
    assert board.nothing_to_do
    board.edited_since = 1
    assert not board.nothing_to_do
    assert not dashboard.Dashboard(report=Report()).nothing_to_do  # never published


def test_the_dashboard_queries_do_not_grow_with_activity(admin_client, demo):
    def revisions(count):
        for n in range(count):
            with reversion.create_revision():
                factories.CookieFactory(name=f"activity_{count}_{n}", category="necessary")

    revisions(2)
    page(admin_client)
    with CaptureQueriesContext(connection) as few:
        page(admin_client)
    revisions(20)
    with CaptureQueriesContext(connection) as many:
        page(admin_client)
    assert len(many) == len(few)
