"""Translations that cannot silently go stale (compliance/translation_review.py): on every way a
row is written (forms, imports, reverts), in the dashboard, the changelists, the change form and
the publish page."""

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from reversion.models import Version

from compliance import health, imports, releases
from compliance.models import Cookie, Processor
from tests import factories

pytestmark = pytest.mark.django_db


def review(obj):
    obj.refresh_from_db()
    return {code: sorted(fields) for code, fields in obj.translations_to_review.items()}


def test_changed_english_marks_each_translation_until_it_is_changed():
    cookie = factories.CookieFactory(purpose_en="Keeps the session")
    assert review(cookie) == {}
    cookie.purpose_en = "Keeps the session and the chosen language"
    cookie.save()
    assert review(cookie) == {"cs": ["purpose"], "de": ["purpose"], "pl": ["purpose"]}
    cookie.purpose_pl = "Utrzymuje sesję i wybrany język"
    cookie.save()
    assert review(cookie) == {"cs": ["purpose"], "de": ["purpose"]}
    cookie.description_en = "A new text nobody has translated"
    cookie.save()
    assert review(cookie) == {"cs": ["purpose"], "de": ["purpose"]}  # missing is counted apart


def test_a_row_from_before_is_marked_only_when_its_english_changes():
    cookie = factories.CookieFactory()
    Cookie.objects.filter(pk=cookie.pk).update(translation_sources={}, translations_to_review={})
    cookie.refresh_from_db()
    cookie.retention_value = 7
    cookie.save()
    assert review(cookie) == {}
    cookie.purpose_en = "Changed"
    cookie.save()
    assert review(cookie) == {"cs": ["purpose"], "de": ["purpose"], "pl": ["purpose"]}


def stale_cookie():
    cookie = factories.CookieFactory(name="stale_one")
    cookie.purpose_en = "Changed in English"
    cookie.save()
    return cookie


def test_the_change_form_marks_the_field_and_confirming_clears_it(admin_client, demo):
    cookie = stale_cookie()
    url = reverse("admin:compliance_cookie_change", args=[cookie.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    assert "To review" in str(form.fields["purpose_pl"].help_text)
    assert "translation-to-review" in form.fields["purpose_pl"].widget.attrs["class"]
    assert "To review" not in str(form.fields["purpose_en"].help_text)
    assert "confirm_translations" in form.fields

    data = {
        key: value
        for key, value in form.initial.items()
        if key in form.fields and value is not None
    }
    data.update(
        name=cookie.name,
        category=cookie.category,
        retention_kind="duration",
        retention_value=6,
        retention_unit="months",
        edited_version=cookie.edit_version,
        confirm_translations="on",
    )
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert review(cookie) == {}


def test_the_changelist_filters_and_confirms_in_bulk(admin_client, demo):
    cookie = stale_cookie()
    changelist = reverse("admin:compliance_cookie_changelist")
    listed = admin_client.get(changelist, {"translation_review": "pl"})
    assert [row.pk for row in listed.context["cl"].result_list] == [cookie.pk]
    admin_client.post(
        changelist, {"action": "confirm_translations", "_selected_action": [cookie.pk]}
    )
    assert review(cookie) == {}
    latest = Version.objects.get_for_object(cookie).first()
    assert latest.revision.comment == "Translations confirmed"


def test_the_dashboard_counts_them_per_language(admin_client, demo):
    stale_cookie()
    checks = {c.code: c for c in health.build_report().checks}
    assert checks["translation_review_pl"].count == 1
    assert checks["translation_review_de"].count == 1
    assert "translation_review=pl" in checks["translation_review_pl"].listings[0][1]
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'data-check="translation_review_pl"' in page


def test_publishing_warns_and_a_setting_makes_it_blocking(admin_client, demo):
    stale_cookie()
    page = admin_client.get(reverse("admin:compliance_release_publish")).content.decode()
    assert 'id="publish-translation-warnings"' in page
    assert "Translations into Polish to review: 1 rows" in page
    releases.publish(note="Published with a warning")
    factories.CookieFactory(name="another", purpose_en="x")
    with (
        override_settings(TRANSLATION_REVIEW_BLOCKS_PUBLISH=True),
        pytest.raises(releases.PublishRefused) as refused,
    ):
        releases.publish(note="Refused")
    assert any("Polish" in reason for reason in refused.value.reasons)


def test_an_import_that_changes_the_english_marks_the_translations(demo):
    """Cookies (written in bulk, no save) and processors (saved row by row)."""
    cookie = factories.CookieFactory(name="imported_one", purpose_en="Old purpose")
    imports.import_file(
        "cookie",
        b"name,domain,category,purpose_en\nimported_one,,necessary,New purpose\n",
        file_format="csv",
    )
    assert review(cookie) == {"cs": ["purpose"], "de": ["purpose"], "pl": ["purpose"]}

    processor = Processor.objects.get(name="Smartlook.com, s.r.o.")
    assert processor.processing_description_pl
    imports.import_file(
        "processor",
        b'name,processing_description_en\n"Smartlook.com, s.r.o.",Session recordings only\n',
        file_format="csv",
    )
    assert "processing_description" in review(processor)["pl"]


def test_a_revert_brings_back_what_was_current_then(admin_client, demo):
    cookie = Cookie.objects.get(name="ssupp.vid")
    original = Version.objects.get_for_object(cookie).get()
    cookie.purpose_en = "Changed in English"
    cookie.save()
    assert review(cookie)
    original.revert()
    assert review(cookie) == {}


def test_export_import_round_trip_changes_nothing(demo):
    """The bookkeeping is no column: exporting and importing back marks nothing."""
    before = {c.pk: c.translation_sources for c in Cookie.objects.all()}
    content = imports.export_bytes(Cookie, "csv")
    imports.import_file("cookie", content, file_format="csv")
    assert {c.pk: c.translation_sources for c in Cookie.objects.all()} == before
    assert not Cookie.objects.exclude(translations_to_review={}).exists()
    assert b"translation" not in io.BytesIO(content).read().split(b"\n")[0]
