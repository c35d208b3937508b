import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from compliance import health, models, ocd
from compliance.imports import ImportFailed
from compliance.retention import parse_retention_text
from tests import factories

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent / "files"


# --- Free-text retentions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 Year", ("duration", 1, "years", "", False)),
        ("Session", ("session", None, "", "", False)),
        ("End of session (browser)", ("session", None, "", "", False)),
        ("400 days", ("duration", 400, "days", "", False)),
        ("30 mins", ("duration", 30, "minutes", "", False)),
        ("forever", ("persistent", None, "", "", False)),
        ("2 years after last activity", ("duration", 2, "years", "after last activity", False)),
        (
            "6 months by default, modifiable",
            ("duration", 6, "months", "by default, modifiable", True),
        ),
        ("Unknown", ("", None, "", "Unknown", True)),
        ("10 Nov 2030", ("", None, "", "10 Nov 2030", True)),
    ],
)
def test_messy_retention_texts(text, expected):
    """What can be read is read; the rest becomes the note, flagged for review."""
    assert parse_retention_text(text) == expected


# --- Importing the database into the register --------------------------------------------


def test_slice_imports_with_mapping_and_review_flags():
    """Categories are mapped, wildcards become patterns, unreadable retentions are kept."""
    report = ocd.import_ocd((FILES / "ocd_slice.csv").read_bytes())
    assert report.imported == models.Cookie.objects.count()
    assert report.for_review == models.Cookie.objects.filter(retention_needs_review=True).count()
    assert report.for_review >= 2
    preferences = models.Cookie.objects.get(name="cookiePreferences")
    assert preferences.category == "preferences"  # Functional: never necessary silently
    assert preferences.category_needs_review
    assert preferences.retention_display("en") == "2 years"
    assert preferences.provider.name == "Google"
    assert preferences.provider.status == "planned"
    unknown = models.Cookie.objects.filter(retention_note_en="Unknown").first()
    assert unknown.retention_kind == "" and unknown.retention_needs_review
    assert models.Cookie.objects.filter(name="_ga_<ID>", category="statistics").exists()
    assert set(models.Cookie.objects.values_list("category", flat=True)) <= {
        "necessary",
        "preferences",
        "statistics",
        "marketing",
    }


def test_review_flags_show_on_the_dashboard():
    """Rows flagged for retention review are a health finding."""
    ocd.import_ocd((FILES / "ocd_slice.csv").read_bytes())
    check = next(c for c in health.build_report().checks if c.code == "retention_to_review")
    assert check.count == models.Cookie.objects.filter(retention_needs_review=True).count()


def test_whole_database_imports_through_the_command():
    """All 2,264 rows import into an empty register; counts are printed."""
    out = io.StringIO()
    call_command("import_register", "cookie", str(ocd.LIBRARY_FILE), "--format", "ocd", stdout=out)
    text = out.getvalue()
    assert "Imported 2263 cookies from the Open Cookie Database" in text
    assert "flagged for retention review" in text
    assert "1 duplicate rows merged" in text
    assert models.Cookie.objects.count() == 2263


def test_not_an_ocd_file_is_refused():
    """A register CSV given as the OCD format is refused, naming the missing columns."""
    with pytest.raises(CommandError, match="Not an Open Cookie Database file"):
        call_command("import_register", "cookie", str(FILES / "cookies.csv"), "--format", "ocd")


def test_ocd_dry_run_writes_nothing():
    """A dry run of the OCD import creates neither cookies nor providers."""
    ocd.import_ocd((FILES / "ocd_slice.csv").read_bytes(), dry_run=True)
    assert not models.Cookie.objects.exists()
    assert not models.Processor.objects.exists()


# --- The known-cookie library ----------------------------------------------------------------


def test_library_loads_and_refreshes():
    """The shipped file fills the library; a newer file adds, updates and removes."""
    first = ocd.load_library((FILES / "ocd_slice.csv").read_bytes())
    assert first.created == models.KnownCookie.objects.count()
    refreshed = ocd.load_library((FILES / "ocd_newer.csv").read_bytes())
    assert refreshed.created == 1
    assert refreshed.updated == 1
    # The newer file keeps 19 of the slice's first 20 rows (one changed) and adds one.
    assert refreshed.removed == first.created - 19
    assert models.KnownCookie.objects.count() == 20
    assert models.KnownCookie.objects.get(name="cookiePreferences").description == (
        "Stores cookie preferences"
    )
    assert models.KnownCookie.objects.filter(name="example_id").exists()


def test_load_known_cookies_command_uses_the_shipped_file():
    """Without a file the command loads the shipped database."""
    out = io.StringIO()
    call_command("load_known_cookies", stdout=out)
    assert out.getvalue().strip() == "Known-cookie library: 2264 added, 0 updated, 0 removed."


def test_library_rejects_a_broken_file():
    """An empty file is refused and the library stays as it was."""
    ocd.load_library((FILES / "ocd_slice.csv").read_bytes())
    count = models.KnownCookie.objects.count()
    with pytest.raises(ImportFailed, match="empty"):
        ocd.load_library(b"")
    assert models.KnownCookie.objects.count() == count


@pytest.fixture
def library():
    ocd.load_library((FILES / "ocd_slice.csv").read_bytes())


def test_suggestions_by_exact_name(library):
    """An exact name finds its entry with the mapped category and parsed retention."""
    [suggestion] = ocd.suggestions("cookiePreferences")
    assert suggestion["category"] == "preferences"  # Functional
    assert suggestion["retention"]["kind"] == "duration"
    assert suggestion["retention"]["value"] == 2
    assert suggestion["provider"] == "Google"
    assert suggestion["provider_id"] is None


def test_suggestions_by_wildcard_prefix(library):
    """A concrete name, or a pattern, matches a wildcard entry that is its prefix."""
    assert [s["name"] for s in ocd.suggestions("_ga_ABC123")] == ["_ga_"]
    assert [s["name"] for s in ocd.suggestions("_ga_<ID>")] == ["_ga_"]
    assert ocd.suggestions("nothing-like-this") == []


def test_suggestions_name_an_existing_provider(library):
    """When the controller is already a processor, the suggestion carries its id."""
    google = factories.ProcessorFactory(name="Google")
    assert ocd.suggestions("cookiePreferences")[0]["provider_id"] == google.pk


def test_admin_offers_suggestions_as_json(admin_client, library):
    """The cookie form's lookup endpoint answers with the suggestions."""
    url = reverse("admin:compliance_cookie_known_cookies")
    data = admin_client.get(url, {"name": "_ga_XYZ"}).json()
    assert data["suggestions"][0]["name"] == "_ga_"


def test_suggestions_speak_the_admins_language(admin_client, library, settings):
    """The box shows category and retention as the admin reads them; the codes stay for
    filling the form."""
    url = reverse("admin:compliance_cookie_known_cookies")
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    [suggestion] = admin_client.get(url, {"name": "cookiePreferences"}).json()["suggestions"]
    assert suggestion["category"] == "preferences"
    assert suggestion["category_label"] == "Preferencje"
    assert suggestion["retention"]["display"] == "2 lata"


def test_library_is_searchable_in_the_admin(admin_client, library):
    """The known-cookie changelist searches names and platforms."""
    url = reverse("admin:compliance_knowncookie_changelist")
    content = admin_client.get(url, {"q": "cookiePreferences"}).content.decode()
    assert "cookiePreferences" in content


def test_functional_and_security_are_never_made_necessary_silently(db):
    """'Functional' becomes preferences (consent required), 'Security' necessary; both are
    flagged for review, and the dashboard counts them."""
    from compliance import health
    from compliance.models import Cookie

    content = (
        b"ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,"
        b"Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n"
        b"a1,Shop,Functional,shop_lang,,Remembers the language,1 year,,,0\n"
        b"a2,Shop,Security,shop_csrf,,Protects forms,Session,,,0\n"
        b"a3,Shop,Analytics,shop_stats,,Counts visits,1 year,,,0\n"
    )
    report = ocd.import_ocd(content)
    assert report.categories_for_review == 2
    lang, csrf, stats = (
        Cookie.objects.get(name=n) for n in ("shop_lang", "shop_csrf", "shop_stats")
    )
    assert (lang.category, lang.consent_required, lang.category_needs_review) == (
        "preferences",
        True,
        True,
    )
    assert (csrf.category, csrf.category_needs_review) == ("necessary", True)
    assert (stats.category, stats.category_needs_review) == ("statistics", False)
    [check] = [c for c in health.build_report().checks if c.code == "category_to_review"]
    assert check.count == 2
