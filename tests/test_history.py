import pytest
from django.urls import reverse
from reversion.models import Version

from compliance import models
from compliance.concurrency import ConcurrentEditError
from tests import factories

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:compliance_{model._meta.model_name}_{view}", args=args)


def cookie_data(cookie, **changes):
    data = {
        "name": cookie.name,
        "domain": cookie.domain,
        "category": cookie.category,
        "consent_required": "on" if cookie.consent_required else "",
        "retention_kind": cookie.retention_kind,
        "retention_value": cookie.retention_value or "",
        "retention_unit": cookie.retention_unit,
        "last_reviewed": "",
        "edited_version": cookie.edit_version,
    }
    for code in ("en", "pl", "cs", "de"):
        for field in ("purpose", "description", "necessity_justification", "retention_note"):
            data[f"{field}_{code}"] = getattr(cookie, f"{field}_{code}") or ""
    data.update(changes)
    return data


def test_admin_changes_are_recorded_with_who_and_what(admin_client, admin_user, demo):
    """Saving in the admin records a version with the user and the fields changed."""
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    response = admin_client.post(
        url(models.Cookie, "change", cookie.pk), cookie_data(cookie, purpose_pl="Nowy cel")
    )
    assert response.status_code == 302
    latest = Version.objects.get_for_object(cookie).first()
    assert latest.revision.user == admin_user
    assert "Purpose [pl]" in latest.revision.comment
    history = admin_client.get(url(models.Cookie, "history", cookie.pk)).content.decode()
    assert admin_user.username in history
    assert "Purpose [pl]" in history


def test_demo_load_is_recorded_as_a_revision(demo):
    """Changes made by the demo command are in the history too, attributed to it."""
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    version = Version.objects.get_for_object(cookie).get()
    assert version.revision.comment == "load_demo"
    assert version.revision.user is None


def test_deleted_object_is_recovered_from_history(admin_client, demo):
    """A deleted processor comes back, with its locations, from the recover page."""
    processor = factories.ProcessorFactory(name="Hosting s.r.o.")
    # A first admin save puts it, with its inline locations, into the history.
    data = {
        "name": processor.name,
        "country": "DE",
        "status": "active",
        "transfer_safeguard": "eea",
        "edited_version": processor.edit_version,
        "locations-TOTAL_FORMS": "1",
        "locations-INITIAL_FORMS": "0",
        "locations-MIN_NUM_FORMS": "0",
        "locations-MAX_NUM_FORMS": "1000",
        "locations-0-country": "DE",
    }
    assert admin_client.post(url(models.Processor, "change", processor.pk), data).status_code == 302
    location = processor.locations.get()
    admin_client.post(url(models.Processor, "delete", processor.pk), {"post": "yes"})
    assert not models.Processor.objects.filter(name="Hosting s.r.o.").exists()

    recover_list = admin_client.get(url(models.Processor, "recoverlist")).content.decode()
    assert "Hosting s.r.o." in recover_list
    version = Version.objects.get_deleted(models.Processor).get()
    form = admin_client.get(url(models.Processor, "recover", version.pk))
    assert form.status_code == 200
    # The recover form shows the restored location as an existing inline row.
    recovered = {
        **data,
        "locations-INITIAL_FORMS": "1",
        "locations-0-id": str(location.pk),
        "locations-0-processor": str(processor.pk),
    }
    del recovered["edited_version"]
    response = admin_client.post(url(models.Processor, "recover", version.pk), recovered)
    assert response.status_code == 302
    restored = models.Processor.objects.get(name="Hosting s.r.o.")
    assert list(restored.locations.values_list("country", flat=True)) == ["DE"]


def test_earlier_state_is_reverted_to(admin_client, demo):
    """Reverting to the demo's version undoes a later edit."""
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    original = Version.objects.get_for_object(cookie).get()
    admin_client.post(
        url(models.Cookie, "change", cookie.pk), cookie_data(cookie, purpose_en="Changed")
    )
    assert models.Cookie.objects.get(pk=cookie.pk).purpose_en == "Changed"
    revert_url = url(models.Cookie, "revision", cookie.pk, original.pk)
    form = admin_client.get(revert_url)
    assert form.status_code == 200
    assert "Identifies the visitor" in form.content.decode()
    reverted = cookie_data(
        models.Cookie.objects.get(pk=cookie.pk), purpose_en="Identifies the visitor"
    )
    del reverted["edited_version"]
    response = admin_client.post(revert_url, reverted, follow=True)
    assert response.redirect_chain and response.status_code == 200
    assert models.Cookie.objects.get(pk=cookie.pk).purpose_en == "Identifies the visitor"
    assert Version.objects.get_for_object(cookie).count() == 3
    # The message says what was restored, from what to what.
    content = response.content.decode()
    assert "Restored the version saved on" in content
    assert "Purpose [en]: Changed → Identifies the visitor" in content


def test_history_shows_each_change_with_old_and_new_values_in_the_admins_language(
    admin_client, demo, settings
):
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    admin_client.post(
        url(models.Cookie, "change", cookie.pk),
        cookie_data(cookie, purpose_en="Recognises the visitor", consent_required="on"),
    )
    content = admin_client.get(url(models.Cookie, "history", cookie.pk)).content.decode()
    assert "<del>Identifies the visitor</del> → <ins>Recognises the visitor</ins>" in content
    assert "<del>no</del> → <ins>yes</ins>" in content
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    polish = admin_client.get(url(models.Cookie, "history", cookie.pk)).content.decode()
    assert "<del>nie</del> → <ins>tak</ins>" in polish
    assert "<strong>Wymagana zgoda</strong>" in polish  # the label in the admin's language


# --- Optimistic concurrency ------------------------------------------------------------------


def test_second_of_two_editors_is_refused(admin_client, client, django_user_model, demo):
    """Two editors open the same cookie; the second save is refused with a clear message."""
    other = django_user_model.objects.create_superuser("alice", "alice@example.com", "pw")
    client.force_login(other)
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    opened_by_both = cookie_data(cookie)

    first = client.post(
        url(models.Cookie, "change", cookie.pk), {**opened_by_both, "purpose_en": "Alice's"}
    )
    assert first.status_code == 302
    second = admin_client.post(
        url(models.Cookie, "change", cookie.pk), {**opened_by_both, "purpose_en": "Admin's"}
    )
    assert second.status_code == 200
    content = second.content.decode()
    assert "alice saved this cookie at" in content
    assert "Your changes were not saved" in content
    assert models.Cookie.objects.get(pk=cookie.pk).purpose_en == "Alice's"


def test_the_form_carries_the_version_it_was_opened_at(admin_client, demo):
    """The change form holds the row's edit version in a hidden field."""
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    content = admin_client.get(url(models.Cookie, "change", cookie.pk)).content.decode()
    assert f'name="edited_version" value="{cookie.edit_version}"' in content


def test_stale_save_is_refused_by_the_model_too(db):
    """A save based on an outdated version is refused even past the form (a race)."""
    cookie = factories.CookieFactory()
    stale = models.Cookie.objects.get(pk=cookie.pk)
    cookie.purpose_en = "First"
    cookie.save()
    stale._edited_version = stale.edit_version
    stale.purpose_en = "Second"
    with pytest.raises(ConcurrentEditError):
        stale.save()
    assert models.Cookie.objects.get(pk=cookie.pk).purpose_en == "First"


def test_every_save_bumps_the_edit_version(db):
    """Saves count up from 1."""
    cookie = factories.CookieFactory()
    assert cookie.edit_version == 1
    cookie.save()
    assert models.Cookie.objects.get(pk=cookie.pk).edit_version == 2


def category_data(category, **changes):
    """The category's change form as the admin renders it, its element rows included."""
    data = {
        "slug": category.slug,
        "position": category.position,
        "edited_version": category.edit_version,
    }
    for code in ("en", "pl", "cs", "de"):
        for field in ("name", "description", "safeguards", "source"):
            data[f"{field}_{code}"] = getattr(category, f"{field}_{code}") or ""
    elements = list(category.elements.order_by("position", "slug"))
    data.update(
        {
            "elements-TOTAL_FORMS": str(len(elements)),
            "elements-INITIAL_FORMS": str(len(elements)),
            "elements-MIN_NUM_FORMS": "0",
            "elements-MAX_NUM_FORMS": "1000",
        }
    )
    for n, element in enumerate(elements):
        data[f"elements-{n}-id"] = str(element.pk)
        data[f"elements-{n}-category"] = str(category.pk)
        data[f"elements-{n}-slug"] = element.slug
        data[f"elements-{n}-position"] = str(element.position)
        data[f"elements-{n}-edited_version"] = str(element.edit_version)
        for code in ("en", "pl", "cs", "de"):
            data[f"elements-{n}-name_{code}"] = getattr(element, f"name_{code}") or ""
    data.update(changes)
    return data


def test_inline_rows_of_two_editors_do_not_overwrite_each_other(
    admin_client, client, django_user_model, demo
):
    """A data element edited by two people through its category: the second is refused."""
    other = django_user_model.objects.create_superuser("alice", "alice@example.com", "pw")
    client.force_login(other)
    category = models.DataCategory.objects.filter(elements__isnull=False).first()
    opened_by_both = category_data(category)
    change = url(models.DataCategory, "change", category.pk)
    first = client.post(change, {**opened_by_both, "elements-0-name_en": "Alice's name"})
    assert first.status_code == 302
    # The category itself is saved again by the first save (its version moved on): the
    # second editor is refused even if only the element row differs.
    second = admin_client.post(change, {**opened_by_both, "elements-0-name_en": "Admin's name"})
    assert second.status_code == 200
    assert "Your changes were not saved" in second.content.decode()
    element = category.elements.order_by("position", "slug").first()
    assert element.name_en == "Alice's name"


def test_stale_inline_row_alone_is_refused(admin_client, demo):
    """An element changed elsewhere (its own admin) since the category form was opened."""
    category = models.DataCategory.objects.filter(elements__isnull=False).first()
    opened = category_data(category)
    element = category.elements.order_by("position", "slug").first()
    element.name_en = "Changed elsewhere"
    element.save()
    response = admin_client.post(
        url(models.DataCategory, "change", category.pk),
        {**opened, "elements-0-name_en": "Overwritten?"},
    )
    assert response.status_code == 200
    assert "Your changes were not saved" in response.content.decode()
    element.refresh_from_db()
    assert element.name_en == "Changed elsewhere"


def test_save_without_the_version_field_is_refused(admin_client, demo):
    """A POST that leaves out edited_version (a script, an old tab) cannot overwrite."""
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    data = cookie_data(cookie, purpose_en="No version")
    del data["edited_version"]
    response = admin_client.post(url(models.Cookie, "change", cookie.pk), data)
    assert response.status_code == 200
    assert "does not say which version" in response.content.decode()
    assert models.Cookie.objects.get(pk=cookie.pk).purpose_en != "No version"

    category = models.DataCategory.objects.filter(elements__isnull=False).first()
    data = category_data(category, **{"elements-0-name_en": "No version"})
    del data["elements-0-edited_version"]
    response = admin_client.post(url(models.DataCategory, "change", category.pk), data)
    assert response.status_code == 200
    assert "does not say which version" in response.content.decode()
    assert not models.DataElement.objects.filter(name_en="No version").exists()


def test_inline_rows_render_their_version(admin_client, demo):
    processor = models.Processor.objects.filter(locations__isnull=False).first()
    content = admin_client.get(url(models.Processor, "change", processor.pk)).content.decode()
    location = processor.locations.first()
    assert f'name="locations-0-edited_version" value="{location.edit_version}"' in content
