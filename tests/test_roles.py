import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from compliance import models
from compliance.releases import publish
from compliance.roles import EDITOR, PUBLISHER, ROLES, VIEWER
from tests import factories

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:compliance_{model._meta.model_name}_{view}", args=args)


def cookie_post(cookie, **changes):
    data = {
        "name": cookie.name,
        "domain": "",
        "category": cookie.category,
        "retention_kind": cookie.retention_kind,
        "retention_value": cookie.retention_value or "",
        "retention_unit": cookie.retention_unit,
        "purpose_en": cookie.purpose_en,
        "edited_version": cookie.edit_version,
    }
    data.update(changes)
    return data


def test_the_roles_exist_as_groups():
    """The data migration created the three groups."""
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    viewer = set(Group.objects.get(name=VIEWER).permissions.values_list("codename", flat=True))
    assert viewer and all(codename.startswith("view_") for codename in viewer)
    assert "publish_release" in Group.objects.get(name=PUBLISHER).permissions.values_list(
        "codename", flat=True
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_register_and_releases(login, demo, role):
    """Viewer, editor and publisher all read changelists, objects, history and releases."""
    release = publish(note="First")
    client = login(role)
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    assert client.get(reverse("admin:index")).status_code == 200
    for model in factories.FACTORIES:
        if model is not models.ProcessingLocation:
            assert client.get(url(model, "changelist")).status_code == 200, model
    assert client.get(url(models.Cookie, "change", cookie.pk)).status_code == 200
    assert client.get(url(models.Cookie, "history", cookie.pk)).status_code == 200
    assert client.get(url(models.Release, "change", release.pk)).status_code == 200
    assert client.get(reverse("admin:compliance_release_diff", args=[1])).status_code == 200


def test_viewer_changes_nothing(login, demo):
    """The viewer's forms are read-only and every write is forbidden."""
    client = login(VIEWER)
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    page = client.get(url(models.Cookie, "change", cookie.pk)).content.decode()
    assert 'name="_save"' not in page
    assert 'name="purpose_en"' not in page
    assert (
        client.post(
            url(models.Cookie, "change", cookie.pk), cookie_post(cookie, purpose_en="x")
        ).status_code
        == 403
    )
    assert client.get(url(models.Cookie, "add")).status_code == 403
    assert client.post(url(models.Cookie, "delete", cookie.pk), {"post": "yes"}).status_code == 403
    assert client.get(url(models.Cookie, "recoverlist")).status_code == 403
    assert client.get(reverse("admin:compliance_release_publish")).status_code == 403
    assert models.Cookie.objects.get(pk=cookie.pk).purpose_en == "Identifies the visitor"


def test_editor_edits_but_cannot_publish(login, demo):
    """The editor changes, adds and deletes register rows, and is refused publishing."""
    client = login(EDITOR)
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    response = client.post(
        url(models.Cookie, "change", cookie.pk), cookie_post(cookie, purpose_en="Edited")
    )
    assert response.status_code == 302
    assert models.Cookie.objects.get(pk=cookie.pk).purpose_en == "Edited"
    assert client.get(url(models.Cookie, "add")).status_code == 200
    assert client.post(url(models.Cookie, "delete", cookie.pk), {"post": "yes"}).status_code == 302
    assert client.get(reverse("admin:compliance_release_publish")).status_code == 403
    assert (
        client.post(reverse("admin:compliance_release_publish"), {"note": "x"}).status_code == 403
    )
    assert not models.Release.objects.exists()
    changelist = client.get(url(models.Release, "changelist")).content.decode()
    assert reverse("admin:compliance_release_publish") not in changelist


def test_publisher_publishes_through_the_admin(login, demo):
    """The publisher sees the diff on the confirmation page, then publishes."""
    client = login(PUBLISHER)
    page = client.get(reverse("admin:compliance_release_publish"))
    assert page.status_code == 200
    assert "ssupp.vid" in page.content.decode()  # the draft diff: everything is new
    response = client.post(
        reverse("admin:compliance_release_publish"),
        {"note": "First", "effective_date": "2030-01-01", "notice_days": "30"},
    )
    release = models.Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(models.Release, "change", release.pk)
    assert release.published_by.username == PUBLISHER
    assert str(release.effective_date) == "2030-01-01"


def test_publisher_sees_refusal_reasons(login, demo):
    """A refused publication lists its reasons on the page and makes no release."""
    publish(note="First")
    client = login(PUBLISHER)
    response = client.post(
        reverse("admin:compliance_release_publish"),
        {"note": "Again", "effective_date": "2030-01-01", "notice_days": "30"},
    )
    assert response.status_code == 200
    assert "Nothing changed since release 1." in response.content.decode()
    assert models.Release.objects.count() == 1


def test_publish_page_shows_blocking_problems(login, demo):
    """With an unclassified cookie the page lists the problem and offers no publish button."""
    factories.CookieFactory(name="mystery", category="unclassified")
    content = login(PUBLISHER).get(reverse("admin:compliance_release_publish")).content.decode()
    assert "blocking problems" in content
    assert 'id="publish-form"' not in content


@pytest.mark.parametrize(("role", "allowed"), [(VIEWER, False), (EDITOR, False), (PUBLISHER, True)])
def test_publish_command_checks_the_users_role(django_user_model, demo, role, allowed):
    """publish --user ROLE works for the publisher only."""
    user = django_user_model.objects.create_user(role, f"{role}@example.com", "pw")
    user.groups.add(Group.objects.get(name=role))
    out = io.StringIO()
    if allowed:
        call_command("publish", "--note", "First", "--user", role, stdout=out)
        assert out.getvalue().strip() == "1"
        assert models.Release.objects.get().published_by == user
    else:
        with pytest.raises(CommandError, match=f"{role} may not publish releases"):
            call_command("publish", "--note", "First", "--user", role, stdout=out)
        assert not models.Release.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_preview_the_draft(login, demo, role):
    """Viewers, editors and publishers may see the draft through the public templates."""
    assert login(role).get("/preview/en/cookies/").status_code == 200


def test_staff_without_a_role_may_not_preview_the_draft(client, django_user_model, demo):
    """Being staff is not enough: the preview shows the unpublished register."""
    user = django_user_model.objects.create_user("staff", "s@example.com", "pw", is_staff=True)
    client.force_login(user)
    assert client.get("/preview/en/privacy/").status_code == 403
