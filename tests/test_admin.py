import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from compliance import models, releases
from tests import factories

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.model_name)
REGISTER_MODELS = [m for m in factories.FACTORIES if m in admin.site._registry]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def polish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    return client


def test_every_register_model_is_in_the_admin():
    """Each register model has an admin (processing locations are edited inline)."""
    expected = set(factories.FACTORIES) - {models.ProcessingLocation}
    assert expected <= set(REGISTER_MODELS)


# Added only by the system: one organisation; releases and notices come from publishing;
# redactions from redact_release; the known-cookie library from its file.
NOT_ADDABLE = {
    models.Organisation,
    models.Release,
    models.ChangeNotice,
    models.Redaction,
    models.KnownCookie,
    models.Scan,  # made by the scanner only
    models.ConsentRecord,  # posted by banners only
    models.Subscriber,  # through the public form and its confirmation only
    models.Delivery,  # the log of e-mails sent
    models.Objection,  # through the public form only
    DBTaskResult,  # the queue's own record of tasks (django-tasks-db's admin)
}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.model_name)
def test_changelist_and_forms_render(admin_client, demo, model):
    """Every changelist, add form and change form renders for a superuser."""
    models.Processor.objects.filter(name="Smartlook.com, s.r.o.").update(status="planned")
    releases.publish(note="First")
    factories.ProcessorFactory(name="Hosting s.r.o.")
    second = releases.publish(note="Adds hosting")
    releases.redact(second, [("Hosting s.r.o.", "H.")], reason="Test")
    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "changelist"), {"q": "ssupp"}).status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        assert admin_client.get(url(model, "change", obj.pk)).status_code == 200
    response = admin_client.get(url(model, "add"))
    assert response.status_code == (403 if model in NOT_ADDABLE else 200)


# The organisation is a single row by design; its changelist is bounded separately below.
@pytest.mark.parametrize(
    "model",
    [m for m in REGISTER_MODELS if m is not models.Organisation],
    ids=lambda m: m._meta.model_name,
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, django_assert_num_queries, model):
    """The same number of queries lists 5 rows and 200 rows."""
    factory = factories.FACTORIES[model]
    related = {}
    if model in (models.Cookie, models.StorageItem):
        related = {"provider": factories.ProcessorFactory()}
    elif model is models.Processor:
        related = {"parent": factories.ProcessorFactory(name="Parent")}
    factory.create_batch(5, **related)
    admin_client.get(url(model, "changelist"))  # warm up: session, content types
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url(model, "changelist")).status_code == 200
    factory.create_batch(195, **related)
    with django_assert_num_queries(len(few)):
        response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200


def test_organisation_changelist_query_count_is_bounded(
    admin_client, django_assert_max_num_queries
):
    """The single organisation lists in a handful of queries (one of them the navigation's
    row counts)."""
    factories.OrganisationFactory()
    with django_assert_max_num_queries(11):
        admin_client.get(url(models.Organisation, "changelist"))


def test_dashboard_shows_counts_and_health(admin_client, demo):
    """The admin index counts the registers and shows the computed health report."""
    response = admin_client.get(reverse("admin:index"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Health report" in content
    assert 'data-check="necessary_long_lived"' in content
    storage = models.StorageItem.objects.get(name="ssupp_<CHAT_KEY>opened")
    assert url(models.StorageItem, "change", storage.pk) in content


def test_dashboard_follows_the_register(admin_client, demo):
    """Classifying nothing yet: a new unclassified cookie shows up, and goes once classified."""
    cookie = factories.CookieFactory(name="new_tracker", category="unclassified")
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "new_tracker" in content
    cookie.category = "preferences"
    cookie.save()
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "new_tracker" not in content


def test_dashboard_queries_do_not_grow(admin_client, django_assert_num_queries):
    """The dashboard costs the same queries for 5 and 200 findings."""
    factories.CookieFactory.create_batch(5, category="unclassified")
    admin_client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("admin:index"))
    factories.CookieFactory.create_batch(195, category="unclassified")
    with django_assert_num_queries(len(few)):
        admin_client.get(reverse("admin:index"))


def test_health_link_filters_the_changelist(admin_client):
    """The dashboard's 'show all' link lists exactly the rule's findings."""
    factories.CookieFactory(name="found_one", category="unclassified")
    factories.CookieFactory(name="fine_one", category="necessary")
    response = admin_client.get(url(models.Cookie, "changelist"), {"health": "unclassified"})
    content = response.content.decode()
    assert "found_one" in content
    assert "fine_one" not in content


def test_missing_translation_filter(admin_client):
    """The changelist filters rows that lack a translation in the chosen language."""
    factories.CookieFactory(name="untranslated", purpose_pl="", purpose_cs="", purpose_de="")
    factories.CookieFactory(name="translated", purpose_pl="Utrzymuje sesję")
    response = admin_client.get(url(models.Cookie, "changelist"), {"missing_translation": "pl"})
    content = response.content.decode()
    assert "untranslated" in content
    assert ">translated<" not in content


def test_changelist_search_covers_translations(admin_client):
    """Searching finds a cookie by its Polish description."""
    factories.CookieFactory(name="polish_only", description_pl="Zapisuje preferencje")
    factories.CookieFactory(name="other")
    content = admin_client.get(url(models.Cookie, "changelist"), {"q": "preferencje"}).content
    assert b"polish_only" in content
    assert b">other<" not in content


def test_change_form_has_language_tabs_served_locally(admin_client, demo):
    """The language tabs' scripts come from our static files, never a CDN."""
    cookie = models.Cookie.objects.first()
    content = admin_client.get(url(models.Cookie, "change", cookie.pk)).content.decode()
    assert "tabbed_translation_fields.js" in content
    assert "/static/compliance/vendor/jquery-ui.min.js" in content
    assert "googleapis" not in content
    for code in ("en", "pl", "cs", "de"):
        assert f'name="description_{code}"' in content


def test_data_elements_are_edited_inline(admin_client, demo):
    """A personal-data category's form carries its elements."""
    category = models.DataCategory.objects.get(slug="contact-data")
    content = admin_client.get(url(models.DataCategory, "change", category.pk)).content.decode()
    assert 'name="elements-0-name_pl"' in content
    assert "Adres e-mail" in content


def test_relations_use_autocomplete(admin_client, demo):
    """Provider and parent fields are autocomplete widgets."""
    content = admin_client.get(url(models.Cookie, "add")).content.decode()
    assert "admin-autocomplete" in content
    content = admin_client.get(url(models.Processor, "add")).content.decode()
    assert 'data-model-name="processor"' in content


def test_admin_in_polish(admin_client, demo):
    """With Polish chosen, Django's strings and ours are in Polish."""
    content = polish(admin_client).get(reverse("admin:index")).content.decode()
    assert "Wyloguj" in content  # Django's own catalogue
    assert "Raport" in content  # ours: the health report
    assert "Health report" not in content


@pytest.mark.parametrize(("language", "word"), [("cs", "Odhlásit"), ("de", "Abmelden")])
def test_admin_in_czech_and_german(admin_client, demo, language, word):
    """The admin works in Czech and German too."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert word in content
    assert "Health report" not in content


def test_language_switcher_sets_the_language(admin_client):
    """The switcher in the admin header changes the admin's language."""
    response = admin_client.post(reverse("set_language"), {"language": "de", "next": "/admin/"})
    assert response.status_code == 302
    assert "Abmelden" in admin_client.get(reverse("admin:index")).content.decode()


def cookie_form(**overrides):
    data = {
        "name": "sid",
        "domain": "",
        "category": "necessary",
        "consent_required": "",
        "retention_kind": "duration",
        "retention_value": "",
        "retention_unit": "months",
        "purpose_en": "Session",
        "last_reviewed": "",
    }
    data.update(overrides)
    return data


def test_validation_errors_in_the_admins_language(admin_client):
    """A duration without a number is refused in Polish when the admin is in Polish."""
    response = polish(admin_client).post(url(models.Cookie, "add"), cookie_form())
    assert response.status_code == 200
    assert "Czas określony wymaga liczby" in response.content.decode()
    assert not models.Cookie.objects.exists()


def test_special_category_without_safeguards_in_admin(admin_client):
    """The admin refuses special-category data without safeguards, in German."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    data = {
        "slug": "health",
        "name_en": "Health data",
        "special_category": "on",
        "position": "0",
        "elements-TOTAL_FORMS": "0",
        "elements-INITIAL_FORMS": "0",
        "elements-MIN_NUM_FORMS": "0",
        "elements-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url(models.DataCategory, "add"), data)
    assert response.status_code == 200
    assert "Schutzmaßnahmen" in response.content.decode()
    assert not models.DataCategory.objects.exists()


def test_own_parent_refused_in_admin(admin_client):
    """Making a processor its own parent is refused with a clear message."""
    processor = factories.ProcessorFactory(name="Loop Ltd")
    data = {
        "name": "Loop Ltd",
        "parent": str(processor.pk),
        "status": "active",
        "transfer_safeguard": "eea",
        "locations-TOTAL_FORMS": "0",
        "locations-INITIAL_FORMS": "0",
        "locations-MIN_NUM_FORMS": "0",
        "locations-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url(models.Processor, "change", processor.pk), data)
    assert response.status_code == 200
    assert "A processor cannot be its own parent." in response.content.decode()
    processor.refresh_from_db()
    assert processor.parent is None


def test_admin_saves_a_valid_cookie(admin_client):
    """A complete cookie is saved through the admin, with the change attributed in the log."""
    from django.contrib.admin.models import LogEntry

    response = admin_client.post(url(models.Cookie, "add"), cookie_form(retention_value="6"))
    assert response.status_code == 302
    cookie = models.Cookie.objects.get(name="sid")
    assert cookie.retention_display("en") == "6 months"
    assert LogEntry.objects.filter(object_id=str(cookie.pk)).exists()


def test_html_in_register_text_is_escaped(admin_client):
    """Script in a register text is shown as text, never run."""
    factories.CookieFactory(name="xss", purpose_en="<script>alert(1)</script>")
    content = admin_client.get(url(models.Cookie, "changelist")).content.decode()
    assert "<script>alert(1)</script>" not in content
    factories.CookieFactory(name="unclassified_xss", category="unclassified")
    models.Cookie.objects.filter(name="unclassified_xss").update(name="<b>bold</b>")
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "<b>bold</b>" not in content
    assert "&lt;b&gt;bold&lt;/b&gt;" in content


def test_navigation_groups_the_register_with_counts(admin_client, demo):
    """The navigation groups the register as a legal team thinks of it, each entry with its
    rows, counted in one query."""
    from django.test.utils import CaptureQueriesContext as Capture

    response = admin_client.get(url(models.Cookie, "changelist"))
    apps = response.context["available_apps"]
    names = [app["name"] for app in apps]
    assert names[:5] == [
        "Organisation",
        "Data and purposes",
        "Sub-processors",
        "Cookies and storage",
        "Releases and documents",
    ]
    cookies = next(e for app in apps for e in app["models"] if e["object_name"] == "Cookie")
    assert cookies["count"] == models.Cookie.objects.count()
    # unfold's sidebar shows the same groups, each register with its count as a badge.
    sidebar = response.context["sidebar_navigation"]
    assert [str(group.get("title", "")) for group in sidebar][1:6] == names[:5]
    item = next(i for group in sidebar for i in group["items"] if i["title"] == "Cookies")
    assert item["badge"] == str(models.Cookie.objects.count()) and item["active"]
    html = response.content.decode()
    link = html.index(f'href="{url(models.Cookie, "changelist")}"')
    badge = re.search(r"<span[^>]*>\s*(\d+)\s*</span>", html[link : link + 3000])
    assert badge and int(badge.group(1)) == models.Cookie.objects.count()
    with Capture(connection) as queries:
        admin_client.get(url(models.Cookie, "changelist"))
    assert (
        sum(
            "COUNT(*)" in q["sql"]
            and "compliance_cookie" in q["sql"]
            and "compliance_processor" in q["sql"]
            for q in queries.captured_queries
        )
        == 1
    )
