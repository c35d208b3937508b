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
    # The seed page gives neither Smartlook's address and contact person nor its measures, and
    # names measures under three of Annex III's 17 headings: the annexes print those as "to be
    # completed", and the dashboard says so.
    assert problems == {
        "necessary_long_lived": 4,
        "annex_field_blank": 1,
        "annex_iii_heading_empty": 1,
        "processor_measures_missing": 1,
    }


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


# --- The regulators' checklist (legal reference, section 6) ----------------------------------


def _necessary_without_reason():
    factories.CookieFactory(category="necessary", consent_required=False)


def _necessary_known_as_analytics():
    models.KnownCookie.objects.create(ocd_id="x1", name="_ga", category="Analytics")
    factories.CookieFactory(
        name="_ga",
        category="necessary",
        consent_required=False,
        necessity_justification_en="Load balancing.",
    )


def _necessary_purpose_reads_as_tracking():
    factories.CookieFactory(
        category="necessary",
        consent_required=False,
        purpose_en="Measures audience statistics",
        necessity_justification_en="Needed.",
    )


def _third_party_without_provider():
    factories.CookieFactory(third_party_access=True, provider=None)


def _consent_on_legitimate_interest():
    factories.PurposeFactory(
        consent_required=True, legal_basis=models.LegalBasis.LEGITIMATE_INTERESTS
    )


def _no_location():
    factories.ProcessorFactory(name="Nowhere GmbH")


def _no_delimitation():
    processor = factories.ProcessorFactory(name="Vague GmbH")
    factories.ProcessingLocationFactory(processor=processor, country="DE")


def _no_objection_route():
    models.Contact.objects.filter(role__in=["privacy_contact", "dpo"]).update(published=False)


def _generic_measure():
    factories.TechnicalMeasureFactory(description_en="Encryption.")


def _annex_field_blank():
    models.Organisation.objects.update(processing_nature_en="")


def _annex_processor_contact_blank():
    models.Processor.objects.update(contact_name="", contact_email="")


def _annex_list_empty():
    models.TechnicalMeasure.objects.filter(assists_controller=True).delete()


BREAKERS = {
    "necessary_without_justification": _necessary_without_reason,
    "necessary_known_as_tracking": _necessary_known_as_analytics,
    "necessary_purpose_reads_as_tracking": _necessary_purpose_reads_as_tracking,
    "third_party_without_provider": _third_party_without_provider,
    "consent_on_legitimate_interest": _consent_on_legitimate_interest,
    "no_location": _no_location,
    "no_delimitation": _no_delimitation,
    "no_objection_route": _no_objection_route,
    "generic_measures": _generic_measure,
    "annex_field_blank": _annex_field_blank,
    "annex_field_blank:list": _annex_list_empty,
    "annex_field_blank:contact": _annex_processor_contact_blank,
}


@pytest.fixture
def complete_register(demo):
    """The demo with what the seed page does not say filled in: no finding but the demo's
    long-lived storage."""
    models.Organisation.objects.update(
        processing_subject_matter_en="Live chat for the customer's website.",
        processing_nature_en="Collection, storage and display of chat messages.",
        processing_duration_en="For the term of the main agreement.",
    )
    models.Processor.objects.filter(address="").update(address="Street 1, Brno")
    models.Processor.objects.filter(contact_email="").update(contact_email="dpo@example.com")
    factories.TechnicalMeasureFactory(
        assists_controller=True,
        description_en="Requests from data subjects reach the controller within two days.",
    )


@pytest.mark.parametrize("code", sorted(BREAKERS))
def test_each_regulator_rule_finds_what_breaks_it_and_nothing_else(complete_register, code):
    breaker = BREAKERS[code]
    code = code.split(":")[0]
    assert check(code).count == 0  # a register that does not break it
    breaker()
    assert check(code).count == 1
    assert check(code).findings and check(code).listings


def test_readme_lists_every_rule_beside_what_it_enforces():
    """The README's table of rules is the code's: same codes, same references."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- health rules -->")[1].split("<!-- /health rules -->")[0]
    rows = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[2]
    assert rows == {rule.code: rule.enforces for rule in health.rules()}
