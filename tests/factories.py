"""factory_boy factories for every register model; translated fields are set per language."""

import factory

from compliance import models
from compliance.retention import RetentionKind, RetentionUnit


def same_as_english(field):
    """A translation column filled from the English one, so factory rows are complete."""
    return factory.LazyAttribute(lambda row: getattr(row, f"{field}_en"))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    legal_name = "Example s.r.o."
    country = "CZ"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contact

    role = models.ContactRole.PRIVACY_CONTACT
    email = factory.Sequence(lambda n: f"privacy{n}@example.com")
    title_en = "Privacy team"
    title_pl = same_as_english("title")
    title_cs = same_as_english("title")
    title_de = same_as_english("title")


class DataSubjectCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DataSubjectCategory

    slug = factory.Sequence(lambda n: f"subjects-{n}")
    name_en = factory.Sequence(lambda n: f"Data subjects {n}")
    name_pl = same_as_english("name")
    name_cs = same_as_english("name")
    name_de = same_as_english("name")


class DataCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DataCategory

    slug = factory.Sequence(lambda n: f"data-{n}")
    name_en = factory.Sequence(lambda n: f"Data category {n}")
    name_pl = same_as_english("name")
    name_cs = same_as_english("name")
    name_de = same_as_english("name")


class DataElementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DataElement

    category = factory.SubFactory(DataCategoryFactory)
    slug = factory.Sequence(lambda n: f"element-{n}")
    name_en = factory.Sequence(lambda n: f"Element {n}")
    name_pl = same_as_english("name")
    name_cs = same_as_english("name")
    name_de = same_as_english("name")


class PurposeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Purpose

    slug = factory.Sequence(lambda n: f"purpose-{n}")
    name_en = factory.Sequence(lambda n: f"Purpose {n}")
    name_pl = same_as_english("name")
    name_cs = same_as_english("name")
    name_de = same_as_english("name")
    legal_basis = models.LegalBasis.CONTRACT


class ProcessorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Processor

    name = factory.Sequence(lambda n: f"Processor {n} Ltd")
    country = "DE"
    transfer_safeguard = models.TransferSafeguard.EEA


class ProcessingLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProcessingLocation

    processor = factory.SubFactory(ProcessorFactory)
    country = "DE"


class TrackingItemFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"item_{n}")
    category = models.TrackingCategory.NECESSARY
    consent_required = False
    purpose_en = "Keeps the session"
    purpose_pl = same_as_english("purpose")
    purpose_cs = same_as_english("purpose")
    purpose_de = same_as_english("purpose")
    retention_kind = RetentionKind.DURATION
    retention_value = 6
    retention_unit = RetentionUnit.MONTHS


class CookieFactory(TrackingItemFactory):
    class Meta:
        model = models.Cookie


class StorageItemFactory(TrackingItemFactory):
    class Meta:
        model = models.StorageItem


class TechnicalMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TechnicalMeasure

    slug = factory.Sequence(lambda n: f"measure-{n}")
    heading = models.MeasureHeading.TRANSMISSION
    description_en = "TLS 1.2 or newer on every connection."
    description_pl = same_as_english("description")
    description_cs = same_as_english("description")
    description_de = same_as_english("description")


class PolicyClauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PolicyClause

    slug = factory.Sequence(lambda n: f"clause-{n}")
    title_en = factory.Sequence(lambda n: f"Clause {n}")
    title_pl = same_as_english("title")
    title_cs = same_as_english("title")
    title_de = same_as_english("title")
    text_en = "Wording for customers."
    text_pl = same_as_english("text")
    text_cs = same_as_english("text")
    text_de = same_as_english("text")
    position = factory.Sequence(int)


FACTORIES = {
    models.Organisation: OrganisationFactory,
    models.Contact: ContactFactory,
    models.DataSubjectCategory: DataSubjectCategoryFactory,
    models.DataCategory: DataCategoryFactory,
    models.DataElement: DataElementFactory,
    models.Purpose: PurposeFactory,
    models.Processor: ProcessorFactory,
    models.ProcessingLocation: ProcessingLocationFactory,
    models.Cookie: CookieFactory,
    models.StorageItem: StorageItemFactory,
    models.TechnicalMeasure: TechnicalMeasureFactory,
    models.PolicyClause: PolicyClauseFactory,
}
