"""Which fields a reader sees, and so which are translated (one column per language).

English is the source language: the fields marked required here must be filled in English; the
other languages fall back to English where they are empty.
"""

from modeltranslation.translator import TranslationOptions, register

from compliance import models


@register(models.Organisation)
class OrganisationTranslation(TranslationOptions):
    fields = (
        "data_location",
        "privacy_by_default",
        "processing_subject_matter",
        "processing_nature",
        "processing_duration",
        "supervisory_authority",
        "controllers_description",
    )


@register(models.Contact)
class ContactTranslation(TranslationOptions):
    fields = ("title",)


@register(models.DataSubjectCategory)
class DataSubjectCategoryTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"en": ("name",)}


@register(models.DataCategory)
class DataCategoryTranslation(TranslationOptions):
    fields = ("name", "description", "safeguards", "source")
    required_languages = {"en": ("name",)}


@register(models.DataElement)
class DataElementTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = {"en": ("name",)}


@register(models.Purpose)
class PurposeTranslation(TranslationOptions):
    fields = (
        "name",
        "description",
        "legitimate_interest",
        "retention",
        "recipients",
        "provision_requirement",
        "automated_decisions",
    )
    required_languages = {"en": ("name",)}


@register(models.Processor)
class ProcessorTranslation(TranslationOptions):
    fields = ("processing_description", "responsibilities", "transfer_safeguard_note")


@register(models.Cookie)
class CookieTranslation(TranslationOptions):
    fields = ("purpose", "description", "necessity_justification", "retention_note")


@register(models.StorageItem)
class StorageItemTranslation(TranslationOptions):
    fields = ("purpose", "description", "necessity_justification", "retention_note")


@register(models.TechnicalMeasure)
class TechnicalMeasureTranslation(TranslationOptions):
    fields = ("description",)
    required_languages = {"en": ("description",)}


@register(models.PolicyClause)
class PolicyClauseTranslation(TranslationOptions):
    fields = ("title", "text")
    required_languages = {"en": ("title", "text")}
