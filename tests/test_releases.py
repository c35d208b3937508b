import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from compliance import models
from compliance.models import ChangeKind, ChangeNotice, ImmutableError, Release
from compliance.releases import PublishRefused, publish
from compliance.snapshot import build_snapshot, content_hash
from tests import factories

pytestmark = pytest.mark.django_db


def today():
    """'Today' as publishing sees it, taken when the test runs (not when it is collected)."""
    return timezone.localdate()


def release_count():
    return Release.objects.count()


# --- Publishing ------------------------------------------------------------------------------


def test_publish_makes_release_one_then_two(demo, admin_user):
    """Release N records number, who, when, effective date, note, snapshot and its hash."""
    first = publish(note="Initial declaration", user=admin_user)
    assert first.number == 1
    assert first.published_by == admin_user
    assert first.effective_date == today()
    assert first.note == "Initial declaration"
    assert first.snapshot == build_snapshot()
    assert first.content_hash == content_hash(first.snapshot)
    models.Cookie.objects.filter(name="ssupp.vid").update(retention_value=5)
    second = publish(note="Shorter ssupp.vid", effective_date=today() + datetime.timedelta(days=7))
    assert second.number == 2
    assert second.published_by is None
    assert second.effective_date == today() + datetime.timedelta(days=7)
    assert second.content_hash != first.content_hash


def test_refused_when_nothing_changed(demo):
    """Publishing the same register twice is refused, and no release is made."""
    publish(note="First")
    with pytest.raises(PublishRefused) as refused:
        publish(note="Again")
    assert refused.value.reasons == ["Nothing changed since release 1."]
    assert release_count() == 1


def test_refused_while_blocking_problems_remain(demo):
    """Unclassified items and missing required English texts block publishing, all listed."""
    factories.CookieFactory(name="mystery", category="unclassified")
    factories.PurposeFactory(name_en="")
    with pytest.raises(PublishRefused) as refused:
        publish(note="Too early")
    text = " ".join(refused.value.reasons)
    assert "not yet classified: 1" in text
    assert "Required texts missing in the default language: 1" in text
    assert release_count() == 0


def test_refused_without_a_note_or_with_an_earlier_effective_date(demo):
    """A release needs a note, and cannot take effect before the one before it."""
    publish(note="First", effective_date=today() + datetime.timedelta(days=10))
    factories.CookieFactory()
    with pytest.raises(PublishRefused) as refused:
        publish(note="  ", effective_date=today())
    assert len(refused.value.reasons) == 2
    assert "needs a note" in refused.value.reasons[0]
    assert "before that of release 1" in refused.value.reasons[1]
    assert release_count() == 1


# --- Immutability ----------------------------------------------------------------------------


@pytest.fixture
def release(demo):
    return publish(note="First")


def test_saving_an_existing_release_is_refused(release):
    """The ORM's save on an existing release raises, and the row stays as it was."""
    release.note = "Rewritten history"
    with pytest.raises(ImmutableError):
        release.save()
    assert Release.objects.get().note == "First"


def test_deleting_a_release_is_refused(release):
    """delete() on a release, and bulk update or delete, all raise."""
    with pytest.raises(ImmutableError):
        release.delete()
    with pytest.raises(ImmutableError):
        Release.objects.all().delete()
    with pytest.raises(ImmutableError):
        Release.objects.update(note="x")
    assert Release.objects.get().note == "First"


def test_loaddata_cannot_overwrite_a_release(release, tmp_path):
    """A fixture that would overwrite a release (a raw save) is refused by a command."""
    fixture = tmp_path / "release.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "compliance.release",
                    "pk": release.pk,
                    "fields": {
                        "number": 1,
                        "published_at": release.published_at.isoformat(),
                        "published_by": None,
                        "effective_date": "2020-01-01",
                        "note": "Forged",
                        "schema_version": 1,
                        "snapshot": {},
                        "content_hash": "0" * 64,
                    },
                }
            ]
        )
    )
    with pytest.raises(ImmutableError):
        call_command("loaddata", str(fixture), verbosity=0)
    assert Release.objects.get().note == "First"


def test_admin_cannot_change_or_delete_a_release(admin_client, release):
    """Even a superuser sees a release read-only; change and delete are forbidden."""
    change = reverse("admin:compliance_release_change", args=[release.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    admin_client.post(change, {"note": "Rewritten"})
    delete = reverse("admin:compliance_release_delete", args=[release.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Release.objects.get().note == "First"


def test_change_notices_are_immutable(demo):
    """A change notice can be neither changed nor deleted."""
    publish(note="First")
    factories.ProcessorFactory(name="Hosting s.r.o.")
    publish(note="Hosting")
    notice = ChangeNotice.objects.get()
    notice.processor_name = "Other"
    with pytest.raises(ImmutableError):
        notice.save()
    with pytest.raises(ImmutableError):
        notice.delete()
    with pytest.raises(ImmutableError):
        ChangeNotice.objects.all().delete()


# --- Change notices --------------------------------------------------------------------------


def test_first_release_sets_the_list_without_notices(demo):
    """The first release is the agreed list (Annex IV): no notice."""
    publish(note="First")
    assert not ChangeNotice.objects.exists()


def test_adding_a_subprocessor_records_a_notice(demo):
    """A new sub-processor: notice with the default 30-day period and its effect date."""
    publish(note="First")
    factories.ProcessorFactory(name="Hosting s.r.o.", status="active")
    release = publish(note="Adds hosting")
    notice = ChangeNotice.objects.get()
    assert notice.release == release
    assert notice.kind == ChangeKind.ADDED
    assert notice.processor_name == "Hosting s.r.o."
    assert notice.notified_on == today()
    assert notice.notice_period_days == 30
    assert notice.takes_effect_on == today() + datetime.timedelta(days=30)
    assert notice.objection_deadline == today() + datetime.timedelta(days=29)
    assert notice.processor["name"] == "Hosting s.r.o."
    assert set(notice.description) == {"en", "pl", "cs", "de"}
    assert notice.description["en"].startswith("Hosting s.r.o. will process personal data")
    assert notice.description["en"] != notice.description["pl"]


def test_a_planned_subprocessor_is_not_announced(demo):
    """Planned: in the register, not announced; publishing gives no notice until it is made
    active."""
    publish(note="First")
    factories.ProcessorFactory(name="Hosting s.r.o.", status="planned")
    factories.CookieFactory()
    publish(note="A cookie; hosting still planned")
    assert not ChangeNotice.objects.exists()


def test_an_addition_starts_on_the_processors_own_later_date(demo):
    """An 'active from' after the notice period is when the addition takes effect."""
    publish(note="First")
    start = today() + datetime.timedelta(days=90)
    factories.ProcessorFactory(name="Hosting s.r.o.", active_from=start)
    publish(note="Hosting from later")
    assert ChangeNotice.objects.get().takes_effect_on == start


def test_replacing_a_subprocessor_records_both_sides(demo):
    """Retiring one processor and adding another: an addition naming what it replaces, after
    the notice period; a removal from the day after the old one's last day (no time to object
    is owed for a removal)."""
    old = factories.ProcessorFactory(name="Old Hosting")
    publish(note="First")
    old.status = "retired"
    old.active_until = today()
    old.save()
    factories.ProcessorFactory(name="New Hosting")
    publish(note="Move hosting", notice_days=45)
    notices = {n.kind: n for n in ChangeNotice.objects.all()}
    assert set(notices) == {ChangeKind.ADDED, ChangeKind.REMOVED}
    assert notices[ChangeKind.ADDED].processor_name == "New Hosting"
    assert "replacing Old Hosting" in notices[ChangeKind.ADDED].description["en"]
    assert notices[ChangeKind.REMOVED].processor_name == "Old Hosting"
    assert all(n.notice_period_days == 45 for n in notices.values())
    assert notices[ChangeKind.ADDED].takes_effect_on == today() + datetime.timedelta(days=45)
    assert notices[ChangeKind.REMOVED].takes_effect_on == today() + datetime.timedelta(days=1)
    assert notices[ChangeKind.ADDED].description["en"].endswith("replacing Old Hosting.")
    # Both notices in every language (the removal's text was English everywhere once).
    for notice in notices.values():
        texts = notice.description
        assert len({texts["en"], texts["pl"], texts["cs"], texts["de"]}) == 4


def test_later_effective_date_wins_over_the_notice_period(demo):
    """A release effective after the notice period takes effect on its effective date."""
    publish(note="First")
    factories.ProcessorFactory(name="Hosting s.r.o.")
    later = today() + datetime.timedelta(days=60)
    publish(note="Hosting", effective_date=later)
    assert ChangeNotice.objects.get().takes_effect_on == later


def test_changes_other_than_subprocessors_record_no_notice(demo):
    """A cookie change is no sub-processor change."""
    publish(note="First")
    factories.CookieFactory()
    publish(note="Cookie")
    assert not ChangeNotice.objects.exists()


# --- The publish command ---------------------------------------------------------------------


def test_publish_command_prints_the_release_number(demo):
    """Exit 0 and the number on standard output."""
    out = io.StringIO()
    call_command("publish", "--note", "First", "--effective-date", today().isoformat(), stdout=out)
    assert out.getvalue().strip() == "1"


def test_publish_command_refusal_is_one_line(demo):
    """A refusal is a CommandError (non-zero exit) with a one-line reason."""
    call_command("publish", "--note", "First", stdout=io.StringIO())
    with pytest.raises(CommandError) as error:
        call_command("publish", "--note", "Again")
    assert str(error.value) == "Not published: Nothing changed since release 1."
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("date", ["2026-13-01", "tomorrow"])
def test_publish_command_rejects_a_bad_date(demo, date):
    """A malformed effective date is named in the error, and nothing is published."""
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("publish", "--note", "First", "--effective-date", date)
    assert release_count() == 0


def test_publish_command_unknown_user(demo):
    """Publishing as a user who does not exist is refused."""
    with pytest.raises(CommandError, match="no user 'ghost'"):
        call_command("publish", "--note", "First", "--user", "ghost")


# --- The diff in the admin and as JSON -----------------------------------------------------


def test_release_page_shows_the_diff_and_notices(admin_client, demo):
    """A release's page lists what changed since the previous release, and its notices."""
    publish(note="First")
    factories.ProcessorFactory(name="Hosting s.r.o.")
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    cookie.purpose_pl = "Identyfikuje odwiedzającego"
    cookie.save()
    release = publish(note="Second")
    content = admin_client.get(reverse("admin:compliance_release_change", args=[release.pk]))
    text = content.content.decode()
    assert "Changes since release 1" in text
    assert "Identyfikuje odwiedzającego" in text
    assert "Hosting s.r.o. will process personal data as a sub-processor" in text


def test_diff_as_json(admin_client, demo):
    """The diff between any two releases, and against the draft, is available as JSON."""
    publish(note="First")
    factories.CookieFactory(name="second_cookie")
    publish(note="Second")
    factories.CookieFactory(name="draft_cookie")
    data = admin_client.get(reverse("admin:compliance_release_diff", args=[2])).json()
    assert (data["release"], data["against"]) == (2, 1)
    added = [row["label"] for r in data["registers"] for row in r["added"]]
    assert added == ["second_cookie"]
    against_draft = admin_client.get(
        reverse("admin:compliance_release_diff", args=[1]), {"against": "draft"}
    ).json()
    added = sorted(row["label"] for r in against_draft["registers"] for row in r["added"])
    assert added == ["draft_cookie", "second_cookie"]
    draft = admin_client.get(reverse("admin:compliance_release_draft_diff")).json()
    assert draft["against"] == 2
    assert [row["label"] for r in draft["registers"] for row in r["added"]] == ["draft_cookie"]


def test_publish_page_says_when_there_is_nothing_to_publish(admin_client, demo):
    """After publishing, the page says nothing changed and offers no form."""
    publish(note="First")
    content = admin_client.get(reverse("admin:compliance_release_publish")).content.decode()
    assert 'id="nothing-to-publish"' in content
    assert 'id="publish-form"' not in content


def test_publish_page_labels_fields_per_language_and_highlights_changed_words(
    admin_client, demo, settings
):
    publish(note="First")
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    cookie.description_en = cookie.description_en.replace("main purpose", "chief purpose")
    cookie.save()
    content = admin_client.get(reverse("admin:compliance_release_publish")).content.decode()
    assert "<del>main</del>" in content and "<ins>chief</ins>" in content
    assert "purpose is to identify" in content  # the unchanged words, not highlighted
    assert ">description_en<" not in content and ">English<" in content
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    german = admin_client.get(reverse("admin:compliance_release_publish")).content.decode()
    assert ">Englisch<" in german and ">Beschreibung<" in german


def test_word_changes_mark_only_the_changed_words():
    from compliance.diff import word_changes

    old, new = word_changes("Keeps the chat open for 6 months", "Keeps the chat open for 2 years")
    assert old == [(False, "Keeps the chat open for "), (True, "6 months")]
    assert new == [(False, "Keeps the chat open for "), (True, "2 years")]
