import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance import health, models
from compliance.retention import RetentionKind, RetentionUnit
from tests import factories

pytestmark = pytest.mark.django_db


def check(code):
    return next(c for c in health.build_report().checks if c.code == code)


def test_unclassified_items_are_blocking():
    """An unclassified cookie or storage item is a blocking finding linking to it."""
    assert check("unclassified").ok
    cookie = factories.CookieFactory(category=models.TrackingCategory.UNCLASSIFIED)
    factories.StorageItemFactory(category=models.TrackingCategory.UNCLASSIFIED)
    result = check("unclassified")
    assert result.count == 2
    assert result.severity == health.BLOCKING
    assert f"/admin/compliance/cookie/{cookie.pk}/change/" in [f.url for f in result.findings]
    assert any("health=unclassified" in url for _label, url in result.listings)


@pytest.mark.parametrize("category", ["statistics", "marketing"])
def test_statistics_and_marketing_need_consent(category):
    """Statistics or marketing items not marked consent-required are found."""
    item = factories.CookieFactory(category=category, consent_required=False)
    assert check("consent_not_required").count == 1
    item.consent_required = True
    item.save()
    assert check("consent_not_required").ok


def test_necessary_items_may_not_consent_free():
    """A necessary item without consent is not a consent finding."""
    factories.CookieFactory(category="necessary", consent_required=False)
    assert check("consent_not_required").ok


@pytest.mark.parametrize(
    ("kind", "value", "unit", "found"),
    [
        (RetentionKind.DURATION, 13, RetentionUnit.MONTHS, False),
        (RetentionKind.DURATION, 14, RetentionUnit.MONTHS, True),
        (RetentionKind.DURATION, 1, RetentionUnit.YEARS, False),
        (RetentionKind.DURATION, 2, RetentionUnit.YEARS, True),
        (RetentionKind.DURATION, 396, RetentionUnit.DAYS, False),
        (RetentionKind.DURATION, 400, RetentionUnit.DAYS, True),
        (RetentionKind.DURATION, 60, RetentionUnit.WEEKS, True),
        (RetentionKind.DURATION, 9000, RetentionUnit.HOURS, False),
        (RetentionKind.DURATION, 10000, RetentionUnit.HOURS, True),
        (RetentionKind.SESSION, None, "", False),
        (RetentionKind.PERSISTENT, None, "", True),
    ],
)
def test_necessary_items_longer_than_13_months(kind, value, unit, found):
    """Necessary items outliving 13 months (or persistent) are a warning."""
    factories.StorageItemFactory(
        category="necessary", retention_kind=kind, retention_value=value, retention_unit=unit
    )
    assert (check("necessary_long_lived").count == 1) is found


def test_long_lived_marketing_item_is_not_a_necessary_finding():
    """The 13-month rule concerns necessary items only."""
    factories.CookieFactory(
        category="marketing", consent_required=True, retention_value=5, retention_unit="years"
    )
    assert check("necessary_long_lived").ok


def test_items_without_retention():
    """Items with no retention are found."""
    factories.CookieFactory(retention_kind="", retention_value=None, retention_unit="")
    assert check("no_retention").count == 1


@pytest.mark.parametrize(
    ("established", "locations", "safeguard", "found"),
    [
        ("DE", ["DE"], "eea", False),
        ("DE", ["DE", "US"], "eea", True),
        ("DE", ["DE", "US"], "", True),
        ("DE", ["DE", "US"], "scc", False),
        ("US", [], "", True),
        ("US", [], "adequacy", False),
        ("NO", ["IS"], "", False),
        ("", [], "", False),
    ],
)
def test_processors_outside_the_eea_need_a_safeguard(established, locations, safeguard, found):
    """A processor established or processing outside the EEA needs a transfer safeguard."""
    processor = factories.ProcessorFactory(country=established, transfer_safeguard=safeguard)
    for country in locations:
        factories.ProcessingLocationFactory(processor=processor, country=country)
    result = check("transfer_without_safeguard")
    assert (result.count == 1) is found
    if found:
        assert result.findings[0].url.endswith(f"/processor/{processor.pk}/change/")


def test_special_category_without_safeguards():
    """Special-category data saved without safeguards (e.g. by an import) is found."""
    category = factories.DataCategoryFactory(special_category=True)
    assert check("special_without_safeguards").count == 1
    category.safeguards_en = "Access limited to the support lead."
    category.save()
    assert check("special_without_safeguards").ok


def test_no_published_dpo():
    """Without a published DPO the report says so, and points at the unpublished one."""
    assert check("no_published_dpo").count == 1
    dpo = factories.ContactFactory(role=models.ContactRole.DPO, published=False)
    result = check("no_published_dpo")
    assert result.count == 1
    assert result.findings[0].url.endswith(f"/contact/{dpo.pk}/change/")
    dpo.published = True
    dpo.save()
    assert check("no_published_dpo").ok


def test_missing_translations_per_language():
    """A text written in English but not in Polish is a Polish finding, not a German one."""
    factories.PolicyClauseFactory(title_de="Titel", text_de="")
    assert check("translation_pl").ok
    assert check("translation_cs").ok
    german = check("translation_de")
    assert german.count == 1
    assert any("missing_translation=de" in url for _label, url in german.listings)


def test_empty_english_text_is_not_a_missing_translation():
    """Nothing to translate where the English text is empty."""
    factories.CookieFactory(purpose_en="", description_en="")
    assert check("translation_pl").ok


def test_required_text_missing_in_default_language():
    """A row whose required English text is empty (e.g. after an import) is blocking."""
    factories.PurposeFactory(name_en="")
    result = check("required_text_missing")
    assert result.count == 1
    assert result.severity == health.BLOCKING


def test_register_counts():
    """The dashboard counts each register from the database."""
    factories.CookieFactory.create_batch(3)
    counts = {entry.label: entry.count for entry in health.build_report().counts}
    assert counts["cookies"] == 3
    assert counts["storage items"] == 0


def test_demo_register_report(demo):
    """The demo's real findings: persistent necessary storage, missing nothing else."""
    report = health.build_report()
    problems = {c.code: c.count for c in report.problems}
    assert problems == {"necessary_long_lived": 4}


def test_report_queries_do_not_grow_with_the_register():
    """Building the report costs the same number of queries for 5 and for 200 findings."""
    factories.CookieFactory.create_batch(5, category="unclassified", purpose_en="x")
    with CaptureQueriesContext(connection) as small:
        health.build_report()
    factories.CookieFactory.create_batch(195, category="unclassified", purpose_en="x")
    with CaptureQueriesContext(connection) as large:
        health.build_report()
    assert len(large) == len(small)


def test_every_rule_filter_applies_to_its_models():
    """Every rule's filters run on the database for the models they name."""
    for rule in health.rules():
        for model, condition in rule.conditions.items():
            assert model._default_manager.filter(condition).count() == 0
