import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from compliance import models
from compliance.retention import RetentionKind
from tests import factories

pytestmark = pytest.mark.django_db


def assert_integrity_error(create, constraint_name):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        create()
    # SQLite and PostgreSQL both name the violated constraint (or its columns for SQLite's
    # UNIQUE); the check constraints are always named.
    assert (
        constraint_name is None
        or constraint_name in str(error.value)
        or "UNIQUE" in str(error.value)
    )


def messages_of(error):
    return [message for messages in error.message_dict.values() for message in messages]


# --- Uniqueness rules, each a named database constraint -------------------------------------


@pytest.mark.parametrize(
    ("factory", "key"),
    [
        (factories.DataSubjectCategoryFactory, {"slug": "visitors"}),
        (factories.DataCategoryFactory, {"slug": "contact"}),
        (factories.PurposeFactory, {"slug": "chat"}),
        (factories.TechnicalMeasureFactory, {"slug": "tls"}),
        (factories.PolicyClauseFactory, {"slug": "wording"}),
        (factories.ProcessorFactory, {"name": "Hosting s.r.o."}),
        (factories.ContactFactory, {"role": "dpo", "email": "dpo@example.com"}),
        (
            factories.CookieFactory,
            {"name": "sid", "domain": "example.com", "category": "necessary"},
        ),
        (
            factories.StorageItemFactory,
            {"name": "key", "storage_type": "local_storage", "domain": "", "category": "marketing"},
        ),
    ],
)
def test_natural_key_is_unique_in_the_database(factory, key):
    """A second row with the same natural key is refused by a database constraint."""
    factory(**key)
    assert_integrity_error(lambda: factory(**key), None)


def test_unique_constraints_are_named():
    """Every uniqueness rule is a named constraint, not an anonymous unique=True."""
    for model in factories.FACTORIES:
        names = [constraint.name for constraint in model._meta.constraints]
        assert names, model
        assert all(name.startswith(model._meta.model_name) for name in names), names
        unique_fields = [f.name for f in model._meta.fields if f.unique and not f.primary_key]
        assert unique_fields == [], (model, unique_fields)


def test_data_element_slug_is_unique_within_its_category_only():
    """Two categories may each have an element 'email', one category may not have two."""
    first, second = factories.DataCategoryFactory(), factories.DataCategoryFactory()
    factories.DataElementFactory(category=first, slug="email")
    factories.DataElementFactory(category=second, slug="email")
    assert_integrity_error(lambda: factories.DataElementFactory(category=first, slug="email"), None)


def test_same_storage_key_may_appear_in_two_categories():
    """The seed lists ssupp_<CHAT_KEY> both as functional and as marketing storage."""
    factories.StorageItemFactory(name="ssupp_<CHAT_KEY>", category="necessary")
    factories.StorageItemFactory(
        name="ssupp_<CHAT_KEY>", category="marketing", consent_required=True
    )
    assert models.StorageItem.objects.filter(name="ssupp_<CHAT_KEY>").count() == 2


def test_processing_location_country_is_unique_per_processor():
    """A processor lists each country once."""
    processor = factories.ProcessorFactory()
    factories.ProcessingLocationFactory(processor=processor, country="DE")
    assert_integrity_error(
        lambda: factories.ProcessingLocationFactory(processor=processor, country="DE"), None
    )


# --- Natural keys ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", list(factories.FACTORIES))
def test_natural_key_finds_the_same_row(model):
    """natural_key() and get_by_natural_key() round-trip for every model."""
    obj = factories.FACTORIES[model]()
    key = obj.natural_key()
    assert all(not isinstance(part, int) or isinstance(part, bool) for part in key)
    assert model._default_manager.get_by_natural_key(*key) == obj


# --- Organisation and contacts --------------------------------------------------------------


def test_only_one_organisation():
    """The organisation is a single row: a second one breaks a constraint and fails validation."""
    factories.OrganisationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Organisation.objects.create(legal_name="Other")
    with pytest.raises(ValidationError) as error:
        models.Organisation(legal_name="Other").full_clean()
    assert "exactly one" in str(error.value)


def test_contact_needs_a_way_to_reach_it():
    """A contact with no e-mail, phone or address is refused, with a message saying so."""
    contact = models.Contact(role=models.ContactRole.DPO, name="Jane")
    with pytest.raises(ValidationError) as error:
        contact.full_clean()
    assert "e-mail, phone or postal address" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        contact.save()


def test_dpo_name_is_optional():
    """Art. 37(7) needs the DPO's contact details, not the name."""
    contact = models.Contact(role=models.ContactRole.DPO, email="dpo@example.com")
    contact.full_clean()


# --- Personal data and purposes ------------------------------------------------------------


def test_special_category_requires_safeguards():
    """Special-category data without safeguards is refused; with them it is accepted."""
    category = models.DataCategory(slug="health", name_en="Health data", special_category=True)
    with pytest.raises(ValidationError) as error:
        category.full_clean()
    assert "safeguards_en" in error.value.message_dict
    category.safeguards_en = "Access only for two named support engineers; logged."
    category.full_clean()


def test_special_category_error_is_translated():
    """The error reads in the active language (Polish here)."""
    category = models.DataCategory(slug="health", name_en="Health data", special_category=True)
    with translation.override("pl"):
        with pytest.raises(ValidationError) as error:
            category.full_clean()
        assert "zabezpieczeń" in messages_of(error.value)[0]


def test_legitimate_interest_must_be_described():
    """Art. 6(1)(f) needs the interest itself written down."""
    purpose = models.Purpose(
        slug="chat", name_en="Chat", legal_basis=models.LegalBasis.LEGITIMATE_INTERESTS
    )
    with pytest.raises(ValidationError) as error:
        purpose.full_clean()
    assert "legitimate_interest_en" in error.value.message_dict
    purpose.legitimate_interest_en = "Answering customers' questions."
    purpose.full_clean()


def test_consent_basis_requires_consent():
    """A purpose based on consent but not requiring it breaks a named check constraint."""
    purpose = models.Purpose(
        slug="ads", name_en="Ads", legal_basis=models.LegalBasis.CONSENT, consent_required=False
    )
    with pytest.raises(ValidationError) as error:
        purpose.full_clean()
    assert "must be marked as requiring consent" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        purpose.save()


def test_default_language_name_is_required():
    """The English name is required; other languages may be empty."""
    category = models.DataSubjectCategory(slug="visitors")
    with pytest.raises(ValidationError) as error:
        category.full_clean()
    assert "name_en" in error.value.message_dict


# --- Processors ------------------------------------------------------------------------------


def test_processor_cannot_be_its_own_parent():
    """Refused by validation with a clear message, and by a database constraint."""
    processor = factories.ProcessorFactory()
    processor.parent = processor
    with pytest.raises(ValidationError) as error:
        processor.full_clean()
    assert error.value.message_dict["parent"] == ["A processor cannot be its own parent."]
    with pytest.raises(IntegrityError), transaction.atomic():
        processor.save()


def test_own_parent_error_is_translated():
    """In Czech the same error is in Czech."""
    processor = factories.ProcessorFactory()
    processor.parent = processor
    with translation.override("cs"):
        with pytest.raises(ValidationError) as error:
            processor.full_clean()
        assert error.value.message_dict["parent"] == [
            "Zpracovatel nemůže být sám sobě nadřazeným zpracovatelem."
        ]


def test_processor_chain_cannot_loop():
    """A engages B engages C: making C the parent of A is refused."""
    a = factories.ProcessorFactory(name="A")
    b = factories.ProcessorFactory(name="B", parent=a)
    c = factories.ProcessorFactory(name="C", parent=b)
    a.parent = c
    with pytest.raises(ValidationError) as error:
        a.full_clean()
    assert "loop" in error.value.message_dict["parent"][0]
    a.parent = None
    a.full_clean()


def test_retired_processor_needs_end_date():
    """A retired processor says when it stopped."""
    processor = factories.ProcessorFactory.build(status=models.ProcessorStatus.RETIRED)
    with pytest.raises(ValidationError) as error:
        processor.full_clean()
    assert "active_until" in error.value.message_dict
    processor.active_until = datetime.date(2026, 1, 31)
    processor.full_clean()


def test_processor_dates_in_order():
    """'Active until' before 'active from' is refused by a named check constraint."""
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ProcessorFactory(
            active_from=datetime.date(2026, 5, 1), active_until=datetime.date(2026, 4, 1)
        )


def test_processor_parent_cannot_be_deleted_while_it_has_subprocessors():
    """Deleting a processor in the middle of a chain is refused, not cascaded."""
    from django.db.models import ProtectedError

    parent = factories.ProcessorFactory()
    factories.ProcessorFactory(parent=parent)
    with pytest.raises(ProtectedError):
        parent.delete()


# --- Cookies and storage items -------------------------------------------------------------


@pytest.mark.parametrize("factory", [factories.CookieFactory, factories.StorageItemFactory])
def test_duration_retention_needs_a_number(factory):
    """A fixed duration without a number fails validation and the database check."""
    item = factory.build(retention_kind=RetentionKind.DURATION, retention_value=None)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "retention_value" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_duration_error_is_translated():
    """In German, the missing number is reported in German."""
    item = factories.CookieFactory.build(retention_value=None)
    with translation.override("de"):
        with pytest.raises(ValidationError) as error:
            item.full_clean()
        assert "Zahl" in error.value.message_dict["retention_value"][0]


def test_session_retention_has_no_number():
    """A session cookie with a number and unit is contradictory and refused."""
    item = factories.CookieFactory.build(retention_kind=RetentionKind.SESSION)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "retention_kind" in error.value.message_dict
    item.retention_value, item.retention_unit = None, ""
    item.full_clean()


def test_item_without_retention_is_allowed_but_reported():
    """An empty retention is saved (the health report flags it)."""
    item = factories.CookieFactory.build(retention_kind="", retention_value=None, retention_unit="")
    item.full_clean()


@pytest.mark.parametrize(
    "name",
    [" ssupp", "ssupp ", "ssupp\tvid", "ssupp\nvid", "ssupp_<chat_key>", "ssupp_<CHAT_KEY", "a>b"],
)
def test_bad_item_names_are_refused(name):
    """Edge spaces, tabs, line breaks and malformed placeholders are refused with a message."""
    with pytest.raises(ValidationError) as error:
        factories.CookieFactory.build(name=name).full_clean()
    assert "name" in error.value.message_dict


def test_placeholder_matches_any_value():
    """SL_C_<PROJECT_KEY>_SID matches every project key, and nothing else."""
    cookie = factories.CookieFactory.build(name="SL_C_<PROJECT_KEY>_SID")
    assert cookie.is_pattern
    assert cookie.matches("SL_C_23361dd035530_SID")
    assert not cookie.matches("SL_C__SID")
    assert not cookie.matches("SL_C_23361dd035530_VID")
    exact = factories.CookieFactory.build(name="ssupp.vid")
    assert not exact.is_pattern
    assert exact.matches("ssupp.vid")
    assert not exact.matches("ssuppXvid")


def test_first_and_third_party():
    """No provider means the organisation itself (first party)."""
    assert not factories.CookieFactory.build().is_third_party
    assert factories.CookieFactory(provider=factories.ProcessorFactory()).is_third_party


def test_retention_display_uses_the_items_note():
    """The structured retention renders with its translated note."""
    cookie = factories.CookieFactory(
        retention_value=13,
        retention_note_en="after last activity",
        retention_note_pl="od ostatniej aktywności",
    )
    assert cookie.retention_display("en") == "13 months after last activity"
    with translation.override("pl"):
        assert cookie.retention_display() == "13 miesięcy od ostatniej aktywności"


def test_provider_with_items_cannot_be_deleted():
    """Deleting a processor that still provides cookies is refused."""
    from django.db.models import ProtectedError

    provider = factories.ProcessorFactory()
    factories.CookieFactory(provider=provider)
    with pytest.raises(ProtectedError):
        provider.delete()


def test_measure_headings_are_the_seventeen_of_the_annex():
    """TOM headings are the 17 examples of Annex III of Decision 2021/915."""
    assert len(models.MeasureHeading.choices) == 17


def test_measure_needs_a_concrete_description():
    """A measure without a description is refused."""
    with pytest.raises(ValidationError) as error:
        models.TechnicalMeasure(slug="x", heading=models.MeasureHeading.LOGGING).full_clean()
    assert "description_en" in error.value.message_dict


def test_storage_keys_may_contain_inner_spaces():
    """A storage key such as 'Site History' (Open Cookie Database) is a valid name."""
    factories.StorageItemFactory.build(name="Site History").full_clean()
