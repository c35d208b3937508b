"""The GDPR register.

Every text a reader sees is translated with django-modeltranslation (see translation.py): each
such field has one column per configured language and falls back to English. Uniqueness rules are
named database constraints; every model has a natural key (a slug or a name, never an id) that
fixtures and imports use.
"""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from compliance.retention import RetentionKind, RetentionUnit, format_retention
from compliance.sanitize import control_error, remove_controls


class NaturalKeyManager(models.Manager):
    """get_by_natural_key() for models that list their key fields in NATURAL_KEY."""

    def get_by_natural_key(self, *key):
        return self.get(**dict(zip(self.model.NATURAL_KEY, key, strict=True)))


class NaturalKeyModel(models.Model):
    NATURAL_KEY: tuple[str, ...] = ()

    objects = NaturalKeyManager()

    class Meta:
        abstract = True

    def natural_key(self):
        return tuple(self._key_part(path) for path in self.NATURAL_KEY)

    def _key_part(self, path):
        # "category__slug" follows the relation, as the manager's lookup does.
        value = self
        for name in path.split("__"):
            value = getattr(value, name)
        return value


class RegisterModel(NaturalKeyModel):
    """A register row: versioned for optimistic concurrency (see concurrency.py)."""

    # Bumped on every save; an edit form carries the version it was opened at.
    edit_version = models.PositiveIntegerField(default=0, editable=False)
    # Translation review (translation_review.py): per translated field and language, a digest
    # of the English text the translation was written against; and what that leaves to review,
    # per language ({"pl": ["purpose"]}). Bookkeeping: not part of a release.
    translation_sources = models.JSONField(default=dict, blank=True, editable=False)
    translations_to_review = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True

    def text_fields(self):
        return [
            field
            for field in self._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField))
        ]

    def clean_fields(self, exclude=None):
        """Field validation, and no control characters in any text (forms and imports)."""
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.text_fields():
            if exclude and field.name in exclude:
                continue
            error = control_error(getattr(self, field.attname))
            if error is not None:
                errors.setdefault(field.name, []).append(error)
        if errors:
            raise ValidationError(errors)


@receiver(pre_save)
def remove_control_characters(sender, instance, **kwargs):
    """The last guard for saves that skip validation (code, history reverts): clean the text."""
    if isinstance(instance, RegisterModel):
        for field in instance.text_fields():
            value = getattr(instance, field.attname)
            cleaned = remove_controls(value)
            if cleaned is not value:
                setattr(instance, field.attname, cleaned)


def missing(value):
    return value is None or str(value).strip() == ""


# --- Organisation and contacts -------------------------------------------------------------


class ProcessingFrequency(models.TextChoices):
    CONTINUOUS = "continuous", _("Continuous")
    ONE_OFF = "one_off", _("One-off")


class SubprocessorAuthorisation(models.TextChoices):
    """Clause 7.7(a) of the Clauses of Decision (EU) 2021/915: the option the parties chose."""

    SPECIFIC = "specific", _("Option 1: prior specific authorisation")
    GENERAL = "general", _("Option 2: general written authorisation")


# The law sets no notice period; 30 days is common market practice.
DEFAULT_NOTICE_DAYS = 30


class Organisation(RegisterModel):
    """The organisation that keeps this register (one per installation)."""

    NATURAL_KEY = ("legal_name",)

    # Always True: with the constraints below it allows exactly one row.
    singleton = models.BooleanField(default=True, editable=False)
    legal_name = models.CharField(_("legal name"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    address = models.TextField(_("address"), blank=True)
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    data_location = models.CharField(
        _("where personal data is stored"),
        max_length=200,
        blank=True,
        help_text=_("For example: within the European Union."),
    )
    privacy_by_default = models.TextField(
        _("privacy by default"),
        blank=True,
        help_text=_("What the service does not collect or store unless a customer enables it."),
    )
    processing_subject_matter = models.TextField(_("subject matter of the processing"), blank=True)
    processing_nature = models.TextField(_("nature of the processing"), blank=True)
    processing_duration = models.TextField(_("duration of the processing"), blank=True)
    processing_frequency = models.CharField(
        _("frequency of the processing"),
        max_length=20,
        choices=ProcessingFrequency.choices,
        blank=True,
    )
    supervisory_authority = models.CharField(
        _("competent supervisory authority"), max_length=200, blank=True
    )
    controllers_description = models.TextField(
        _("controllers on whose behalf the processing is carried out"),
        blank=True,
        help_text=_(
            "For which controllers the record of processing (Art. 30(2)(a)) is kept, and where "
            "their names and contact details are listed."
        ),
    )
    # The options of the Clauses (Decision (EU) 2021/915) that the annexes, the sub-processor
    # page and the change notices all state: one setting, so they cannot disagree.
    subprocessor_authorisation = models.CharField(
        _("authorisation of sub-processors (Clause 7.7(a))"),
        max_length=10,
        choices=SubprocessorAuthorisation.choices,
        default=SubprocessorAuthorisation.GENERAL,
    )
    subprocessor_notice_days = models.PositiveSmallIntegerField(
        _("notice period for sub-processor changes (days)"),
        default=DEFAULT_NOTICE_DAYS,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "How long before a sub-processor is added or replaced the customers are told "
            "(Option 2) or asked (Option 1). The law sets no period; 30 days is common."
        ),
    )
    docking_clause = models.BooleanField(
        _("docking clause (Clause 5) included"),
        default=False,
        help_text=_(
            "Further controllers or processors may accede to the Clauses by completing the "
            "Annexes and signing Annex I."
        ),
    )
    # Branding of the public pages and the documents (compliance/branding.py): the logo is a
    # BrandImage named by its SHA-256, so a release names the very image it showed.
    logo = models.CharField(_("logo"), max_length=64, blank=True, editable=False)
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[
            RegexValidator(
                r"^#[0-9a-fA-F]{6}\Z", _("A colour is written #RRGGBB, for example #1a5fb4.")
            )
        ],
        help_text=_("Lines and rules of the public pages and documents, e.g. #1a5fb4."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="organisation_single_row"),
            models.CheckConstraint(condition=Q(singleton=True), name="organisation_singleton"),
        ]

    def __str__(self):
        return self.legal_name

    def validate_constraints(self, exclude=None):
        # Say plainly why a second organisation is refused, instead of naming the hidden field.
        if self._state.adding and Organisation.objects.exists():
            raise ValidationError(
                _("There is already an organisation; this register keeps exactly one.")
            )
        super().validate_constraints(exclude=exclude)


class ContactRole(models.TextChoices):
    DPO = "dpo", _("Data protection officer")
    EU_REPRESENTATIVE = "eu_representative", _("EU representative (Art. 27)")
    PRIVACY_CONTACT = "privacy_contact", _("Privacy contact")


class Contact(RegisterModel):
    """A DPO, EU representative or privacy contact (Art. 13(1)(a)-(b), 37(7))."""

    NATURAL_KEY = ("role", "email")

    role = models.CharField(_("role"), max_length=30, choices=ContactRole.choices)
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_("Optional: the law requires the contact details, not the person's name."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Shown on public pages and in documents (Art. 37(7) requires it for the DPO)."),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["role", "name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["role", "email"], name="contact_unique_role_email"),
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone="") | ~Q(postal_address=""),
                name="contact_has_contact_details",
                violation_error_message=_(
                    "Give at least one way to reach this contact: e-mail, phone or postal address."
                ),
            ),
        ]

    def __str__(self):
        who = self.name or self.email or self.phone or _("(no name)")
        return f"{self.get_role_display()}: {who}"


# --- Data subjects, personal data, purposes ------------------------------------------------


# A register key: a slug, or several joined by dots, as the Fides taxonomy's keys are
# ("user.contact.email").
KEY_VALIDATOR = RegexValidator(
    r"^[-a-zA-Z0-9_]+(\.[-a-zA-Z0-9_]+)*\Z",
    _(
        "Use letters, digits, hyphens and underscores, in parts joined by dots "
        "(e.g. contact-details or user.contact.email)."
    ),
    "invalid",
)


def key_field():
    return models.CharField(_("key"), max_length=80, validators=[KEY_VALIDATOR])


def fides_key_field():
    return models.CharField(
        _("Fides key"),
        max_length=120,
        blank=True,
        validators=[KEY_VALIDATOR],
        help_text=_("The matching key of the Fides privacy taxonomy, to map the register."),
    )


def parent_chain_contains(model, pk, parent_id):
    """Whether following parents up from `parent_id` reaches `pk` (a loop)."""
    seen = set()
    current = parent_id
    while current is not None and current not in seen:
        if current == pk:
            return True
        seen.add(current)
        current = model.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return False


class DataSubjectCategory(RegisterModel):
    NATURAL_KEY = ("slug",)

    slug = key_field()
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    fides_key = fides_key_field()
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("data-subject category")
        verbose_name_plural = _("data-subject categories")
        ordering = ["position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="datasubjectcategory_unique_slug"),
        ]

    def __str__(self):
        return self.name


class DataCategory(RegisterModel):
    """A category of personal data, with its elements (first name, e-mail, ...)."""

    NATURAL_KEY = ("slug",)

    slug = key_field()
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        related_name="children",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The broader category this one belongs to (e.g. contact data in user data)."),
    )
    fides_key = fides_key_field()
    special_category = models.BooleanField(
        _("special category or criminal data"),
        default=False,
        help_text=_("Art. 9 or 10 GDPR data; the safeguards applied must then be described."),
    )
    safeguards = models.TextField(_("restrictions and safeguards"), blank=True)
    source = models.TextField(
        _("source of the data"),
        blank=True,
        help_text=_("Where the data comes from (Art. 14(2)(f)), e.g. entered by the visitor."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("personal-data category")
        verbose_name_plural = _("personal-data categories")
        ordering = ["position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="datacategory_unique_slug"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="datacategory_not_own_parent",
                violation_error_message=_(
                    "This would make a loop: a category cannot contain itself."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if (
            self.parent_id is not None
            and self.pk is not None
            and (
                self.parent_id == self.pk
                or parent_chain_contains(DataCategory, self.pk, self.parent_id)
            )
        ):
            raise ValidationError(
                {"parent": _("This would make a loop: a category cannot contain itself.")}
            )
        if self.special_category and missing(self.safeguards_en):
            raise ValidationError(
                {
                    "safeguards_en": _(
                        "Special-category data needs the restrictions or safeguards applied "
                        "to it (Annex II of the Commission's clauses)."
                    )
                }
            )


class DataElement(RegisterModel):
    NATURAL_KEY = ("category__slug", "slug")

    category = models.ForeignKey(
        DataCategory,
        verbose_name=_("category"),
        related_name="elements",
        on_delete=models.CASCADE,
    )
    slug = models.SlugField(_("key"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        ordering = ["category", "position", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "slug"], name="dataelement_unique_category_slug"
            ),
        ]

    def __str__(self):
        return self.name


class LegalBasis(models.TextChoices):
    CONSENT = "a", _("Art. 6(1)(a): consent")
    CONTRACT = "b", _("Art. 6(1)(b): performance of a contract")
    LEGAL_OBLIGATION = "c", _("Art. 6(1)(c): legal obligation")
    VITAL_INTERESTS = "d", _("Art. 6(1)(d): vital interests")
    PUBLIC_TASK = "e", _("Art. 6(1)(e): public interest or official authority")
    LEGITIMATE_INTERESTS = "f", _("Art. 6(1)(f): legitimate interests")


class ProcessingRole(models.TextChoices):
    """Whose processing a purpose is: a processor describes both (Art. 30(1) and 30(2))."""

    PROCESSOR = "processor", _("On behalf of customers (as processor)")
    CONTROLLER = "controller", _("Our own processing (as controller)")


class Purpose(RegisterModel):
    """What a feature does with personal data, and on which legal basis."""

    NATURAL_KEY = ("slug",)

    slug = key_field()
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    fides_key = fides_key_field()
    # Blank only for a purpose taken from a template (the Fides taxonomy's data uses): the
    # health report blocks publishing until a person chooses it.
    legal_basis = models.CharField(
        _("legal basis"), max_length=1, choices=LegalBasis.choices, blank=True
    )
    legitimate_interest = models.TextField(
        _("legitimate interest"),
        blank=True,
        help_text=_("Required when the legal basis is legitimate interests (Art. 13(1)(d))."),
    )
    consent_required = models.BooleanField(_("consent required"), default=False)
    retention = models.TextField(
        _("retention period or criteria"),
        blank=True,
        help_text=_("How long the data is kept, or the criteria used to decide (Art. 13(2)(a))."),
    )
    role = models.CharField(
        _("whose processing"),
        max_length=10,
        choices=ProcessingRole.choices,
        default=ProcessingRole.PROCESSOR,
        help_text=_(
            "On behalf of customers: described for customers to put in their own notices. "
            "As controller: part of the organisation's own privacy notice (Art. 13 and 14)."
        ),
    )
    # Art. 13 items a controller's own notice needs besides the above (required for purposes
    # processed as controller: health report rule "controller_notice_incomplete").
    recipients = models.TextField(
        _("recipients or categories of recipients"),
        blank=True,
        help_text=_("Art. 13(1)(e); the sub-processors linked to the purpose are listed too."),
    )
    provision_requirement = models.TextField(
        _("whether providing the data is required"),
        blank=True,
        help_text=_(
            "Whether it is a statutory or contractual requirement or needed to enter into a "
            "contract, and what happens if the data is not provided (Art. 13(2)(e))."
        ),
    )
    automated_decisions = models.TextField(
        _("automated decision-making, including profiling"),
        blank=True,
        help_text=_(
            "Whether there is any (Art. 22) and, if so, the logic involved, its significance "
            "and consequences (Art. 13(2)(f)). Write that there is none where there is none."
        ),
    )
    data_subject_categories = models.ManyToManyField(
        DataSubjectCategory,
        verbose_name=_("data-subject categories"),
        related_name="purposes",
        blank=True,
    )
    data_categories = models.ManyToManyField(
        DataCategory,
        verbose_name=_("personal-data categories"),
        related_name="purposes",
        blank=True,
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="purpose_unique_slug"),
            # Consent as the legal basis without asking for consent is a contradiction.
            models.CheckConstraint(
                condition=~Q(legal_basis=LegalBasis.CONSENT) | Q(consent_required=True),
                name="purpose_consent_basis_requires_consent",
                violation_error_message=_(
                    "A purpose based on consent must be marked as requiring consent."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.legal_basis == LegalBasis.LEGITIMATE_INTERESTS and missing(
            self.legitimate_interest_en
        ):
            raise ValidationError(
                {
                    "legitimate_interest_en": _(
                        "Describe the legitimate interest relied on (Art. 6(1)(f))."
                    )
                }
            )


# --- Processors ----------------------------------------------------------------------------


class TransferSafeguard(models.TextChoices):
    NOT_STATED = "", _("Not stated")
    EEA = "eea", _("Within the EEA (no transfer)")
    ADEQUACY = "adequacy", _("Adequacy decision (Art. 45)")
    SCC = "scc", _("Standard contractual clauses (Art. 46(2)(c))")
    BCR = "bcr", _("Binding corporate rules (Art. 47)")
    OTHER_ART46 = "art46", _("Other appropriate safeguards (Art. 46)")
    DEROGATION = "art49", _("Derogation for a specific situation (Art. 49)")


class ProcessorStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Processor(RegisterModel):
    """A sub-processor, possibly engaged by another one (sub-processing chains)."""

    NATURAL_KEY = ("name",)

    name = models.CharField(_("name"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    address = models.TextField(_("address"), blank=True)
    country = CountryField(_("country of establishment"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_title = models.CharField(_("contact person's position"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    processing_description = models.TextField(_("description of the processing"), blank=True)
    responsibilities = models.TextField(
        _("delimitation of responsibilities"),
        blank=True,
        help_text=_("What this sub-processor is responsible for, as against the others."),
    )
    data_categories = models.ManyToManyField(
        DataCategory,
        verbose_name=_("personal-data categories"),
        related_name="processors",
        blank=True,
    )
    purposes = models.ManyToManyField(
        Purpose, verbose_name=_("purposes served"), related_name="processors", blank=True
    )
    transfer_safeguard = models.CharField(
        _("transfer safeguard"),
        max_length=10,
        choices=TransferSafeguard.choices,
        blank=True,
        default=TransferSafeguard.NOT_STATED,
    )
    transfer_safeguard_note = models.TextField(_("transfer safeguard details"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("engaged by"),
        related_name="subprocessors",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The processor that engages this one, for sub-processing chains."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProcessorStatus.choices, default=ProcessorStatus.ACTIVE
    )
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    dpa_url = models.URLField(_("data-processing agreement"), blank=True)
    privacy_url = models.URLField(_("privacy notice"), blank=True)

    class Meta:
        verbose_name = _("processor")
        verbose_name_plural = _("processors")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="processor_unique_name"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="processor_not_own_parent",
                violation_error_message=_("A processor cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_until__isnull=True)
                | Q(active_until__gte=F("active_from")),
                name="processor_active_dates_in_order",
                violation_error_message=_("'Active until' cannot be before 'active from'."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.parent_id is not None:
            if self.pk is not None and self.parent_id == self.pk:
                errors["parent"] = _("A processor cannot be its own parent.")
            elif self.pk is not None and self._parent_chain_contains_self():
                errors["parent"] = _(
                    "This would make a loop: %(parent)s is already engaged, directly or "
                    "through others, by %(processor)s."
                ) % {"parent": self.parent, "processor": self.name}
        if self.status == ProcessorStatus.RETIRED and self.active_until is None:
            errors["active_until"] = _("A retired processor needs the date it stopped.")
        if errors:
            raise ValidationError(errors)

    def _parent_chain_contains_self(self):
        return parent_chain_contains(Processor, self.pk, self.parent_id)


class ProcessingLocation(RegisterModel):
    """A country where a processor processes or stores the data."""

    NATURAL_KEY = ("processor__name", "country")

    processor = models.ForeignKey(
        Processor,
        verbose_name=_("processor"),
        related_name="locations",
        on_delete=models.CASCADE,
    )
    country = CountryField(_("country"))

    class Meta:
        verbose_name = _("processing location")
        verbose_name_plural = _("processing locations")
        ordering = ["processor", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["processor", "country"], name="processinglocation_unique_country"
            ),
        ]

    def __str__(self):
        return str(self.country.name)

    def natural_key(self):
        return (self.processor.name, self.country.code)


# --- Cookies and browser storage -------------------------------------------------------------


class TrackingCategory(models.TextChoices):
    NECESSARY = "necessary", _("Necessary")
    PREFERENCES = "preferences", _("Preferences")
    STATISTICS = "statistics", _("Statistics")
    MARKETING = "marketing", _("Marketing")
    UNCLASSIFIED = "unclassified", _("Unclassified")


# A placeholder in a name stands for a value set at run time: ssupp_<CHAT_KEY>.
PLACEHOLDER = re.compile(r"<([A-Z0-9_]+)>")


def validate_item_name(value):
    # Storage keys may contain spaces ("Site History"); edges and control characters are typos.
    if value != value.strip() or any(ch in "\t\r\n" or not ch.isprintable() for ch in value):
        raise ValidationError(
            _("A name cannot start or end with spaces, or contain tabs or line breaks."),
            code="spaces",
        )
    without_placeholders = PLACEHOLDER.sub("", value)
    if "<" in without_placeholders or ">" in without_placeholders:
        raise ValidationError(
            _(
                "Write a placeholder as <NAME> in capitals, digits and underscores, "
                "e.g. ssupp_<CHAT_KEY>."
            ),
            code="placeholder",
        )


def name_pattern(name):
    """A regular expression matching every concrete name that `name` stands for."""
    parts = PLACEHOLDER.split(name)
    # split() alternates literal text and placeholder names; placeholders match any value.
    regex = "".join(re.escape(part) if i % 2 == 0 else ".+" for i, part in enumerate(parts))
    return re.compile(rf"\A{regex}\Z")


class TrackingItem(RegisterModel):
    """What cookies and storage items share: the fields of a cookie declaration (Planet49)."""

    name = models.CharField(
        _("name"),
        max_length=200,
        validators=[validate_item_name],
        # Django renders help texts as HTML: the placeholder's brackets are written as entities.
        help_text=_(
            "The exact name, or a pattern with placeholders such as ssupp_&lt;CHAT_KEY&gt;."
        ),
    )
    provider = models.ForeignKey(
        Processor,
        verbose_name=_("provider"),
        related_name="%(class)ss",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Leave empty when the organisation itself sets it (first party)."),
    )
    domain = models.CharField(_("domain"), max_length=200, blank=True)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=TrackingCategory.choices,
        default=TrackingCategory.UNCLASSIFIED,
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    third_party_access = models.BooleanField(
        _("third-party access"),
        default=False,
        help_text=_("Whether third parties may have access to it."),
    )
    consent_required = models.BooleanField(_("consent required"), default=True)
    necessity_justification = models.TextField(
        _("why it is strictly necessary"),
        blank=True,
        help_text=_(
            "For necessary items: why the service the user asked for cannot work without it."
        ),
    )
    retention_kind = models.CharField(
        _("retention"), max_length=20, choices=RetentionKind.choices, blank=True
    )
    retention_value = models.PositiveIntegerField(
        _("retention: number"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    retention_unit = models.CharField(
        _("retention: unit"), max_length=10, choices=RetentionUnit.choices, blank=True
    )
    retention_note = models.CharField(
        _("retention: note"),
        max_length=200,
        blank=True,
        help_text=_("Added after the duration, e.g. 'after last activity'."),
    )
    retention_needs_review = models.BooleanField(
        _("retention to review"),
        default=False,
        help_text=_(
            "Set by an import that could not read the retention; the original text is the note."
        ),
    )
    category_needs_review = models.BooleanField(
        _("category to review"),
        default=False,
        help_text=_(
            "Set by an import whose source category does not decide ours (the Open Cookie "
            "Database's 'Functional' or 'Security'): confirm or change the category, then untick."
        ),
    )
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(retention_kind=RetentionKind.DURATION)
                    # NULL >= 1 is unknown, which a CHECK lets through: say NOT NULL outright.
                    & Q(retention_value__isnull=False)
                    & Q(retention_value__gte=1)
                    & ~Q(retention_unit="")
                )
                | (
                    ~Q(retention_kind=RetentionKind.DURATION)
                    & Q(retention_value__isnull=True)
                    & Q(retention_unit="")
                ),
                name="%(class)s_retention_consistent",
                violation_error_message=_(
                    "A fixed duration needs a number and a unit; other retentions have neither."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_pattern(self):
        return bool(PLACEHOLDER.search(self.name))

    @property
    def is_third_party(self):
        return self.provider_id is not None

    def matches(self, concrete_name):
        return bool(name_pattern(self.name).match(concrete_name))

    def retention_display(self, language=None):
        """The retention in `language` (default: the active one), note included."""
        with translation.override(language or translation.get_language()):
            # The note is a translated field: read it inside the language override.
            return format_retention(
                self.retention_kind, self.retention_value, self.retention_unit, self.retention_note
            )

    def clean(self):
        super().clean()
        errors = {}
        if self.retention_kind == RetentionKind.DURATION:
            if not self.retention_value:
                errors["retention_value"] = _(
                    "A fixed duration needs a number, e.g. 6 for six months."
                )
            if not self.retention_unit:
                errors["retention_unit"] = _("A fixed duration needs a unit, e.g. months.")
        elif self.retention_value is not None or self.retention_unit:
            errors["retention_kind"] = _(
                "Only a fixed duration has a number and a unit: choose 'Fixed duration' or "
                "clear them."
            )
        if errors:
            raise ValidationError(errors)


class Cookie(TrackingItem):
    NATURAL_KEY = ("name", "domain", "category")

    class Meta(TrackingItem.Meta):
        verbose_name = _("cookie")
        verbose_name_plural = _("cookies")
        ordering = ["category", "name"]
        constraints = [
            *TrackingItem.Meta.constraints,
            models.UniqueConstraint(
                fields=["name", "domain", "category"], name="cookie_unique_name_domain_category"
            ),
        ]


class StorageType(models.TextChoices):
    LOCAL_STORAGE = "local_storage", _("localStorage")
    SESSION_STORAGE = "session_storage", _("sessionStorage")
    INDEXED_DB = "indexeddb", _("IndexedDB")


class StorageItem(TrackingItem):
    """A localStorage, sessionStorage or IndexedDB key: ePrivacy Art. 5(3) covers them too."""

    NATURAL_KEY = ("name", "storage_type", "domain", "category")

    storage_type = models.CharField(
        _("storage type"),
        max_length=20,
        choices=StorageType.choices,
        default=StorageType.LOCAL_STORAGE,
    )

    class Meta(TrackingItem.Meta):
        verbose_name = _("storage item")
        verbose_name_plural = _("storage items")
        ordering = ["category", "name"]
        constraints = [
            *TrackingItem.Meta.constraints,
            models.UniqueConstraint(
                fields=["name", "storage_type", "domain", "category"],
                name="storageitem_unique_name_type_domain_category",
            ),
        ]


# --- Measures and policy wording -------------------------------------------------------------


class MeasureHeading(models.TextChoices):
    """The 17 example headings of Annex III of Decision (EU) 2021/915 (Annex II of 2021/914)."""

    PSEUDONYMISATION = "pseudonymisation", _("Pseudonymisation and encryption of personal data")
    RESILIENCE = (
        "resilience",
        _(
            "Ensuring ongoing confidentiality, integrity, availability and resilience of "
            "processing systems and services"
        ),
    )
    RESTORATION = (
        "restoration",
        _(
            "Ensuring the ability to restore the availability and access to personal data in a "
            "timely manner in the event of a physical or technical incident"
        ),
    )
    TESTING = (
        "testing",
        _(
            "Processes for regularly testing, assessing and evaluating the effectiveness of "
            "technical and organisational measures"
        ),
    )
    IDENTIFICATION = "identification", _("User identification and authorisation")
    TRANSMISSION = "transmission", _("Protection of data during transmission")
    STORAGE = "storage", _("Protection of data during storage")
    PHYSICAL = "physical", _("Physical security of locations at which personal data are processed")
    LOGGING = "logging", _("Events logging")
    CONFIGURATION = "configuration", _("System configuration, including default configuration")
    GOVERNANCE = "governance", _("Internal IT and IT security governance and management")
    CERTIFICATION = "certification", _("Certification/assurance of processes and products")
    MINIMISATION = "minimisation", _("Data minimisation")
    QUALITY = "quality", _("Data quality")
    RETENTION = "retention", _("Limited data retention")
    ACCOUNTABILITY = "accountability", _("Accountability")
    PORTABILITY = "portability", _("Allowing data portability and ensuring erasure")


class TechnicalMeasure(RegisterModel):
    """A technical or organisational measure, described concretely (Annex III)."""

    NATURAL_KEY = ("slug",)

    slug = models.SlugField(_("key"), max_length=80)
    heading = models.CharField(_("heading"), max_length=20, choices=MeasureHeading.choices)
    description = models.TextField(
        _("description"), help_text=_("Concretely what is done, not a generic statement.")
    )
    certification = models.CharField(_("certification"), max_length=200, blank=True)
    not_applicable = models.BooleanField(
        _("not applicable"),
        default=False,
        help_text=_(
            "The heading does not apply: the description says why (Annex III asks for every "
            "heading either a measure or the reason it does not apply)."
        ),
    )
    processor = models.ForeignKey(
        "Processor",
        verbose_name=_("sub-processor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
        help_text=_("Empty for the organisation's own measures; else the sub-processor's."),
    )
    assists_controller = models.BooleanField(
        _("assists the controller"),
        default=False,
        help_text=_("A measure for assisting the controller (Clauses 8(d) and 9.2)."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("technical and organisational measure")
        verbose_name_plural = _("technical and organisational measures")
        ordering = ["heading", "position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="technicalmeasure_unique_slug"),
        ]

    def __str__(self):
        return f"{self.get_heading_display()}: {self.slug}"

    def clean(self):
        super().clean()
        # A heading that does not apply has no measure with which to assist the controller.
        if self.not_applicable and self.assists_controller:
            raise ValidationError(
                {
                    "assists_controller": _(
                        "A measure marked not applicable cannot assist the controller: "
                        "describe the assisting measure separately."
                    )
                }
            )


class PolicyClause(RegisterModel):
    """Wording that customers should put in their own privacy policy."""

    NATURAL_KEY = ("slug",)

    slug = models.SlugField(_("key"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("policy clause")
        verbose_name_plural = _("policy clauses")
        ordering = ["position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="policyclause_unique_slug"),
        ]

    def __str__(self):
        return self.title


# --- Known cookies (reference data) --------------------------------------------------------


class KnownCookie(models.Model):
    """A cookie or storage key from the Open Cookie Database: a library to copy from, not the
    register. Loaded and refreshed by `manage.py load_known_cookies`."""

    ocd_id = models.CharField(_("Open Cookie Database ID"), max_length=64)
    platform = models.CharField(_("platform"), max_length=200, blank=True)
    category = models.CharField(_("category in the database"), max_length=50, blank=True)
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    retention = models.CharField(_("retention as written"), max_length=200, blank=True)
    data_controller = models.CharField(_("data controller"), max_length=200, blank=True)
    privacy_url = models.URLField(_("privacy information"), max_length=500, blank=True)
    wildcard = models.BooleanField(
        _("prefix match"), default=False, help_text=_("The name is a prefix of the real names.")
    )

    class Meta:
        verbose_name = _("known cookie")
        verbose_name_plural = _("known cookies")
        ordering = ["name", "platform"]
        constraints = [
            models.UniqueConstraint(fields=["ocd_id"], name="knowncookie_unique_ocd_id"),
        ]
        indexes = [models.Index(fields=["name"], name="knowncookie_name")]

    def __str__(self):
        return f"{self.name} ({self.platform})" if self.platform else self.name

    def natural_key(self):
        return (self.ocd_id,)


# --- Releases -------------------------------------------------------------------------------


class ImmutableError(Exception):
    """A published release, or its change notices, cannot be changed or deleted."""


class ImmutableQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes, which bypass save() and delete()."""

    def update(self, **kwargs):
        raise ImmutableError(self.model.CHANGE_REFUSED)

    def delete(self):
        raise ImmutableError(self.model.DELETE_REFUSED)


class WrittenOnceModel(models.Model):
    """Rows the application adds and never changes or deletes one by one."""

    CHANGE_REFUSED = _("Published releases cannot be changed.")
    DELETE_REFUSED = _("Published releases cannot be deleted.")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(self.CHANGE_REFUSED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(self.DELETE_REFUSED)


class BrandImage(WrittenOnceModel):
    """An uploaded logo, re-encoded as PNG (compliance/branding.py) and named by the SHA-256 of
    those bytes. Never changed or deleted: a release that showed it keeps showing it."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    content = models.BinaryField(_("PNG image"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_at = models.DateTimeField(_("uploaded on"), default=timezone.now)

    CHANGE_REFUSED = _("Logos are never changed: upload a new one.")
    DELETE_REFUSED = _("Logos are kept: releases that showed them still do.")

    class Meta:
        verbose_name = _("logo")
        verbose_name_plural = _("logos")
        default_permissions = ()

    def __str__(self):
        return self.sha256[:12]


class ImmutableModel(WrittenOnceModel):
    """Rows written once and never changed or deleted, not even in bulk: releases, their change
    notices and redaction records. Raw saves (loaddata) are refused by refuse_raw_overwrite
    below, and the database refuses the rest (migration 0007_release_guards)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True


class Release(ImmutableModel):
    """Release N: a frozen snapshot of the register, as published. Never changed or deleted
    (ImmutableModel), except by an audited redaction (Redaction); the admin offers no change or
    delete either."""

    number = models.PositiveIntegerField(_("number"), editable=False)
    published_at = models.DateTimeField(_("published at"), editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="releases",
    )
    effective_date = models.DateField(_("effective date"), editable=False)
    note = models.TextField(_("note"), editable=False)
    schema_version = models.PositiveIntegerField(_("snapshot schema version"), editable=False)
    snapshot = models.JSONField(_("snapshot"), editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-number"]
        get_latest_by = "number"
        permissions = [("publish_release", _("Can publish a release"))]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="release_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="release_number_positive"),
        ]

    def __str__(self):
        return _("Release %(number)d, effective %(date)s") % {
            "number": self.number,
            "date": self.effective_date.isoformat(),
        }

    def natural_key(self):
        return (self.number,)


class ChangeKind(models.TextChoices):
    ADDED = "added", _("New sub-processor")
    REMOVED = "removed", _("Sub-processor no longer used")


class ChangeNotice(ImmutableModel):
    """Notice of an intended sub-processor change (Art. 28(2) GDPR, Clause 7.7 of the SCCs).

    Recorded by the release that makes the change; the controller may object until the change
    takes effect.
    """

    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        related_name="change_notices",
        on_delete=models.PROTECT,
        editable=False,
    )
    kind = models.CharField(_("change"), max_length=10, choices=ChangeKind.choices, editable=False)
    processor_name = models.CharField(_("sub-processor"), max_length=200, editable=False)
    # What the notice says, in every language: {"en": "...", "pl": "...", ...}.
    description = models.JSONField(_("description"), editable=False)
    # The processor as published (or as last published, for a removal).
    processor = models.JSONField(_("sub-processor details"), editable=False)
    notified_on = models.DateField(_("notified on"), editable=False)
    notice_period_days = models.PositiveIntegerField(_("notice period (days)"), editable=False)
    takes_effect_on = models.DateField(_("takes effect on"), editable=False)

    CHANGE_REFUSED = _("Change notices cannot be changed.")
    DELETE_REFUSED = _("Change notices cannot be deleted.")

    class Meta:
        verbose_name = _("sub-processor change notice")
        verbose_name_plural = _("sub-processor change notices")
        ordering = ["-release__number", "kind", "processor_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "kind", "processor_name"], name="changenotice_unique_change"
            ),
            models.CheckConstraint(
                condition=Q(takes_effect_on__gte=F("notified_on")),
                name="changenotice_takes_effect_after_notice",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.processor_name}"

    @property
    def text(self):
        """The notice in the active language, else in English."""
        language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return self.description.get(language) or self.description.get(settings.LANGUAGE_CODE, "")

    @property
    def objection_deadline(self):
        """The controller may object until the day before the change takes effect."""
        return self.takes_effect_on - datetime.timedelta(days=1)


class DocumentKind(models.TextChoices):
    ANNEX = "annex", _("DPA annexes")
    SUMMARY = "summary", _("Data-processing summary")


class ReleaseDocument(models.Model):
    """A release's PDF in one language, rendered once and then served as these bytes."""

    release = models.ForeignKey(
        Release, verbose_name=_("release"), related_name="documents", on_delete=models.PROTECT
    )
    kind = models.CharField(_("document"), max_length=10, choices=DocumentKind.choices)
    language = models.CharField(_("language"), max_length=10)
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rendered_at = models.DateTimeField(_("rendered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("release document")
        verbose_name_plural = _("release documents")
        constraints = [
            models.UniqueConstraint(
                fields=["release", "kind", "language"], name="releasedocument_unique_rendering"
            ),
        ]

    def __str__(self):
        return f"{self.release} {self.kind} {self.language}"


class Redaction(ImmutableModel):
    """An audited redaction of a release: named values (personal data to be erased, Art. 17
    GDPR) replaced in its stored snapshot, its change notices and its documents.

    The release keeps its number; this row records who redacted it, when and why, how many
    values were replaced where, and the content hash before and after. The values themselves
    are not kept, only their SHA-256, so that the record does not undo the erasure. The
    database allows a release's content to change only to a hash recorded here (see the
    migration that adds the triggers)."""

    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        related_name="redactions",
        on_delete=models.PROTECT,
        editable=False,
    )
    redacted_at = models.DateTimeField(_("redacted at"), editable=False)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("redacted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="redactions",
    )
    reason = models.TextField(_("reason"), editable=False)
    # [{"value_sha256": ..., "replacement": ..., "occurrences": n, "places": ["contacts", ...]}]
    replacements = models.JSONField(_("replacements"), editable=False)
    original_content_hash = models.CharField(
        _("content hash before"), max_length=64, editable=False
    )
    content_hash = models.CharField(_("content hash after"), max_length=64, editable=False)

    CHANGE_REFUSED = _("Redaction records cannot be changed.")
    DELETE_REFUSED = _("Redaction records cannot be deleted.")

    class Meta:
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")
        ordering = ["-redacted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "content_hash"], name="redaction_unique_result"
            ),
        ]

    def __str__(self):
        return _("Release %(number)d redacted on %(date)s") % {
            "number": self.release.number,
            "date": timezone.localtime(self.redacted_at).date().isoformat(),
        }


@receiver(pre_save, sender=Release)
@receiver(pre_save, sender=ChangeNotice)
@receiver(pre_save, sender=Redaction)
def refuse_raw_overwrite(sender, instance, raw, **kwargs):
    """loaddata saves raw, past save(): refuse to overwrite an existing immutable row."""
    if raw and sender._default_manager.filter(pk=instance.pk).exists():
        raise ImmutableError(sender.CHANGE_REFUSED)


# --- Background work (compliance/tasks.py) ---------------------------------------------------


class JobState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class BackgroundJob(models.Model):
    """What a piece of background work is doing, for the people waiting for it: its state, how
    many times it was tried and why it failed. The queue (any Tasks backend) only runs it;
    tasks.run_job keeps this record."""

    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def pending(self):
        return self.state in (JobState.QUEUED, JobState.RUNNING)


class DocumentRender(BackgroundJob):
    """The rendering of one of a release's documents in one language (ReleaseDocument holds the
    result)."""

    STATE_LABELS = {
        JobState.QUEUED: _("queued"),
        JobState.RUNNING: _("rendering"),
        JobState.DONE: _("ready"),
        JobState.FAILED: _("failed"),
    }

    release = models.ForeignKey(
        Release, verbose_name=_("release"), related_name="renders", on_delete=models.PROTECT
    )
    kind = models.CharField(_("document"), max_length=10, choices=DocumentKind.choices)
    language = models.CharField(_("language"), max_length=10)

    class Meta:
        verbose_name = _("document rendering")
        verbose_name_plural = _("document renderings")
        constraints = [
            models.UniqueConstraint(
                fields=["release", "kind", "language"], name="documentrender_unique_document"
            ),
        ]

    def __str__(self):
        return f"{self.release} {self.kind} {self.language}"

    @property
    def state_label(self):
        return self.STATE_LABELS[self.state]


class ImportPhase(models.TextChoices):
    VALIDATE = "validate", _("checking the file")
    WRITE = "write", _("importing")


class ImportJob(BackgroundJob):
    """An import started in the admin: checked in the background (with progress), shown as a
    preview, and written in the background once confirmed. The file waits here between the
    steps, readable by the uploader only, and is removed once written, refused or abandoned."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    model_name = models.CharField(_("register"), max_length=50)
    file_name = models.CharField(_("file"), max_length=200)
    file_format = models.CharField(_("format"), max_length=10)
    phase = models.CharField(
        _("phase"), max_length=10, choices=ImportPhase.choices, default=ImportPhase.VALIDATE
    )
    # The uploaded bytes until checked; then the rows as read (imports.pack_dataset), so that
    # confirming does not parse the file again. Emptied when the job ends.
    content = models.BinaryField(_("content"), blank=True, default=b"")
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    # Why the file was refused: the messages of imports.ImportFailed.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    # The check's result: {"summary": {...}, "effects": [[row, effect, key, changes], ...]}
    # (changes: [[column, old, new], ...] of a changed row) or, for an
    # Open Cookie Database file, {"ocd": {...}}.
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.model_name} {self.file_name}"

    @property
    def awaiting_confirmation(self):
        return (
            self.phase == ImportPhase.VALIDATE and self.state == JobState.DONE and not self.problems
        )

    @property
    def imported(self):
        return self.phase == ImportPhase.WRITE and self.state == JobState.DONE and not self.problems


class WorkerHeartbeat(models.Model):
    """A worker of the database queue saying it is alive (compliance/worker.py)."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self):
        return f"{self.hostname}:{self.pid}"


# --- The site scanner (compliance/scanner/) ---------------------------------------------------


class ScanSite(models.Model):
    """A website whose cookies and storage the scanner compares with the register."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    base_url = models.URLField(
        _("address"), help_text=_("The site's home page, e.g. https://www.example.com/.")
    )
    pages = models.TextField(
        _("pages to visit"),
        blank=True,
        help_text=_("One address or path per line, besides the home page."),
    )
    use_sitemap = models.BooleanField(
        _("read the sitemap"), default=True, help_text=_("Visit the pages /sitemap.xml lists too.")
    )
    page_limit = models.PositiveSmallIntegerField(
        _("page limit"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    accept_selector = models.CharField(
        _("“Accept all” button"),
        max_length=300,
        blank=True,
        help_text=_("CSS selector of the consent banner's button that accepts everything."),
    )
    reject_selector = models.CharField(
        _("“Reject all” button"),
        max_length=300,
        blank=True,
        help_text=_("CSS selector of the button that refuses everything optional."),
    )
    settle_delay_ms = models.PositiveIntegerField(
        _("wait after loading (ms)"),
        default=1000,
        validators=[MaxValueValidator(30_000)],
        help_text=_("How long to wait after the network settles, for scripts that set late."),
    )
    scan_every_days = models.PositiveSmallIntegerField(
        _("scan every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty to scan only on request."),
    )

    class Meta:
        verbose_name = _("scanned site")
        verbose_name_plural = _("scanned sites")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        from compliance.scanner.addresses import parse_page_list

        if self.base_url and not self.base_url.lower().startswith(("http://", "https://")):
            raise ValidationError(
                {"base_url": _("Only http:// and https:// sites can be scanned.")}
            )
        if self.base_url:
            try:
                parse_page_list(self.base_url, self.pages)
            except ValueError as error:
                raise ValidationError({"pages": str(error)}) from None


class ScanPhase(models.TextChoices):
    BEFORE_CONSENT = "before", _("before consent")
    ACCEPTED = "accepted", _("after accepting")
    REJECTED = "rejected", _("after rejecting")


class ObservationKind(models.TextChoices):
    COOKIE = "cookie", _("cookie")
    LOCAL_STORAGE = "local_storage", _("localStorage")
    SESSION_STORAGE = "session_storage", _("sessionStorage")
    INDEXED_DB = "indexeddb", _("IndexedDB")
    REQUEST_HOST = "host", _("third-party host")


class Scan(BackgroundJob):
    """One visit of a site's pages in a real browser, in each consent state."""

    site = models.ForeignKey(
        ScanSite, verbose_name=_("site"), related_name="scans", on_delete=models.CASCADE
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pages_total = models.PositiveIntegerField(_("page visits planned"), default=0)
    pages_done = models.PositiveIntegerField(_("page visits done"), default=0)
    pages_failed = models.JSONField(_("pages that failed"), default=list, blank=True)
    # {finding kind: {"count": n, "names": [the first few]}} when the scan ended, for the
    # dashboard and the list of scans (the report itself is built from the observations).
    findings = models.JSONField(_("findings"), default=dict, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-queued_at"]

    def __str__(self):
        return f"{self.site} {self.queued_at:%Y-%m-%d %H:%M}"


class ScanObservation(models.Model):
    """Something a scan saw the site store or contact: names and attributes, never values."""

    scan = models.ForeignKey(
        Scan, verbose_name=_("scan"), related_name="observations", on_delete=models.CASCADE
    )
    phase = models.CharField(_("consent state"), max_length=10, choices=ScanPhase.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=ObservationKind.choices)
    name = models.CharField(_("name"), max_length=300)
    domain = models.CharField(_("domain"), max_length=255, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    lifetime_seconds = models.BigIntegerField(
        _("lifetime (seconds)"), null=True, blank=True, help_text=_("Empty: a session cookie.")
    )
    secure = models.BooleanField(_("Secure"), default=False)
    http_only = models.BooleanField(_("HttpOnly"), default=False)
    same_site = models.CharField(_("SameSite"), max_length=10, blank=True)
    third_party = models.BooleanField(_("third party"), default=False)
    set_by = models.CharField(_("set by"), max_length=10, blank=True)
    page_url = models.CharField(_("first seen on"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["phase", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["scan", "phase", "kind", "name", "domain", "path"],
                name="scanobservation_unique_per_scan",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.domain})"


class ConsentRecord(WrittenOnceModel):
    """One visitor's choice on a consent banner, as the banner reported it: the proof of consent
    Art. 7(1) GDPR asks the controller to be able to give. Written only by the public endpoint
    (compliance/consent_log.py), never changed; records past the retention period are deleted
    in batches by a background task (a bulk delete), never one by one."""

    CHANGE_REFUSED = _("Consent records cannot be changed.")
    DELETE_REFUSED = _("Consent records are deleted only when their retention period ends.")

    consent_id = models.UUIDField(
        _("consent id"), db_index=True, help_text=_("Chosen at random by the visitor's browser.")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    site = models.ForeignKey(
        ScanSite,
        verbose_name=_("site"),
        related_name="consent_records",
        null=True,
        on_delete=models.SET_NULL,
    )
    origin = models.CharField(_("origin"), max_length=200)
    accepted = models.JSONField(_("categories accepted"), default=list)
    rejected = models.JSONField(_("categories refused"), default=list)
    # The answer per optional category (None: not asked): rates are counted in any database.
    preferences = models.BooleanField(_("preferences"), null=True)
    statistics = models.BooleanField(_("statistics"), null=True)
    marketing = models.BooleanField(_("marketing"), null=True)
    services_accepted = models.JSONField(_("services accepted"), default=list, blank=True)
    services_rejected = models.JSONField(_("services refused"), default=list, blank=True)
    release_number = models.PositiveIntegerField(_("release shown"))
    content_hash = models.CharField(_("content hash of the declaration shown"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    ip_prefix = models.CharField(
        _("network"), max_length=50, help_text=_("The address with its last part removed.")
    )
    user_agent_hash = models.CharField(_("browser (hash)"), max_length=64)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at"]
        # The application adds and reads; the admin offers nothing else.
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.consent_id} ({self.recorded_at:%Y-%m-%d %H:%M})"


# The public's write side for sub-processor changes (a module of its own: this one is long).
from compliance.models.subscriptions import (  # noqa: E402, F401
    Delivery,
    DeliveryKind,
    DeliveryState,
    Objection,
    ObjectionOutcome,
    Subscriber,
    SubscriberState,
)
