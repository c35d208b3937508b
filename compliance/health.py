"""The register's health report, shown on the admin dashboard.

Each rule is a named database filter per model, so that the dashboard can count and sample what a
rule finds and the admin changelists can show all of it (the "health finding" filter uses the same
filters). All counts for one model come from one aggregate query, which keeps the dashboard fast
whatever the size of the register.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import translator

from compliance.models import (
    Contact,
    ContactRole,
    Cookie,
    DataCategory,
    DataElement,
    DataSubjectCategory,
    Organisation,
    PolicyClause,
    ProcessingLocation,
    Processor,
    Purpose,
    StorageItem,
    TechnicalMeasure,
    TrackingCategory,
    TransferSafeguard,
)
from compliance.retention import DAYS_PER_UNIT, RetentionKind

BLOCKING = "blocking"
ERROR = "error"
WARNING = "warning"

# The EU member states and the three other EEA states (Iceland, Liechtenstein, Norway).
EEA_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)

# Necessary items should not outlive this (DPC: lifespan proportionate to the purpose; CNIL's
# 13-month ceiling for exempt audience measurement).
NECESSARY_MAX_DAYS = 396  # 13 months

SAMPLE_SIZE = 10

ITEM_MODELS = (Cookie, StorageItem)


def is_blank(field_name):
    return Q(**{f"{field_name}__isnull": True}) | Q(**{field_name: ""})


def longer_than_q(max_days):
    """Items whose retention exceeds `max_days`; persistent-until-cleared has no end."""
    longer = Q(retention_kind=RetentionKind.PERSISTENT)
    for unit, days in DAYS_PER_UNIT.items():
        longest_allowed = int(max_days / days)
        longer |= Q(
            retention_kind=RetentionKind.DURATION,
            retention_unit=unit,
            retention_value__gt=longest_allowed,
        )
    return longer


def outside_eea_q():
    """Processors established, or processing, outside the EEA."""
    location_outside = ProcessingLocation.objects.filter(processor=OuterRef("pk")).exclude(
        country__in=EEA_COUNTRIES
    )
    established_outside = ~Q(country="") & ~Q(country__in=EEA_COUNTRIES)
    return established_outside | Q(Exists(location_outside))


def translated_fields(model):
    """Names of the translated fields of `model` (without language suffix)."""
    if model not in translator.get_registered_models():
        return ()
    return tuple(sorted(translator.get_options_for_model(model).fields))


def required_default_fields(model):
    """Translated fields that must be filled in the default language."""
    if model not in translator.get_registered_models():
        return ()
    required = translator.get_options_for_model(model).required_languages
    if isinstance(required, dict):
        return tuple(required.get(settings.MODELTRANSLATION_DEFAULT_LANGUAGE, ()))
    if settings.MODELTRANSLATION_DEFAULT_LANGUAGE in required:
        return translated_fields(model)
    return ()


def missing_translation_q(model, language):
    """Rows with a text written in the default language but not in `language`."""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    condition = Q(pk__in=[])
    for name in translated_fields(model):
        condition |= ~is_blank(f"{name}_{default}") & is_blank(f"{name}_{language}")
    return condition


def translation_languages():
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    return [(code, name) for code, name in settings.LANGUAGES if code != default]


@dataclass(frozen=True)
class Rule:
    """A check whose findings are the rows that `conditions[model]` selects."""

    code: str
    title: str
    severity: str
    conditions: dict = field(hash=False)


def _required_text_conditions():
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    conditions = {}
    for model in translator.get_registered_models():
        required = required_default_fields(model)
        if required and model._meta.app_label == "compliance":
            blank = Q(pk__in=[])
            for name in required:
                blank |= is_blank(f"{name}_{default}")
            conditions[model] = blank
    return conditions


def rules():
    """Every rule, in the order the dashboard shows them. Built on call: settings may change."""
    consent_categories = [TrackingCategory.STATISTICS, TrackingCategory.MARKETING]
    return [
        Rule(
            "unclassified",
            _("Cookies and storage items not yet classified"),
            BLOCKING,
            {m: Q(category=TrackingCategory.UNCLASSIFIED) for m in ITEM_MODELS},
        ),
        Rule(
            "required_text_missing",
            _("Required texts missing in the default language"),
            BLOCKING,
            _required_text_conditions(),
        ),
        Rule(
            "consent_not_required",
            _("Statistics or marketing items not marked as requiring consent"),
            ERROR,
            {m: Q(category__in=consent_categories, consent_required=False) for m in ITEM_MODELS},
        ),
        Rule(
            "no_retention",
            _("Cookies and storage items with no retention"),
            ERROR,
            {m: Q(retention_kind="") for m in ITEM_MODELS},
        ),
        Rule(
            "transfer_without_safeguard",
            _("Processors outside the EEA with no transfer safeguard"),
            ERROR,
            {
                Processor: outside_eea_q()
                & Q(transfer_safeguard__in=[TransferSafeguard.NOT_STATED, TransferSafeguard.EEA])
            },
        ),
        Rule(
            "special_without_safeguards",
            _("Special categories of data without safeguards"),
            ERROR,
            {DataCategory: Q(special_category=True) & is_blank("safeguards_en")},
        ),
        Rule(
            "retention_to_review",
            _("Imported retentions to review"),
            WARNING,
            {m: Q(retention_needs_review=True) for m in ITEM_MODELS},
        ),
        Rule(
            "category_to_review",
            _("Imported categories to review"),
            WARNING,
            {m: Q(category_needs_review=True) for m in ITEM_MODELS},
        ),
        Rule(
            "necessary_long_lived",
            _("Necessary items kept longer than 13 months"),
            WARNING,
            {
                m: Q(category=TrackingCategory.NECESSARY) & longer_than_q(NECESSARY_MAX_DAYS)
                for m in ITEM_MODELS
            },
        ),
    ]


def rule_condition(code, model):
    """The filter of rule `code` for `model`, or None where the rule does not apply."""
    for rule in rules():
        if rule.code == code:
            return rule.conditions.get(model)
    return None


def rules_for_model(model):
    return [rule for rule in rules() if model in rule.conditions]


# --- The report ----------------------------------------------------------------------------


@dataclass
class Finding:
    label: str
    url: str


@dataclass
class Check:
    code: str
    title: str
    severity: str
    count: int = 0
    findings: list = field(default_factory=list)
    # (label, url) of the changelists that show every finding, one per model concerned.
    listings: list = field(default_factory=list)

    @property
    def ok(self):
        return self.count == 0


@dataclass
class RegisterCount:
    label: str
    count: int
    url: str


@dataclass
class Report:
    counts: list  # RegisterCount, in the order of register_models()
    checks: list

    @property
    def problems(self):
        return [check for check in self.checks if not check.ok]

    @property
    def blocking(self):
        return [check for check in self.problems if check.severity == BLOCKING]


def register_models():
    """The registers, in the order the dashboard lists them."""
    return [
        Organisation,
        Contact,
        DataSubjectCategory,
        DataCategory,
        DataElement,
        Purpose,
        Processor,
        Cookie,
        StorageItem,
        TechnicalMeasure,
        PolicyClause,
    ]


def _admin_url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _changelist_url(model, **params):
    return f"{_admin_url(model, 'changelist')}?{urlencode(params)}"


def _sample(model, condition):
    return [
        Finding(f"{model._meta.verbose_name}: {obj}", _admin_url(model, "change", obj.pk))
        for obj in model._default_manager.filter(condition).order_by("pk")[:SAMPLE_SIZE]
    ]


def _model_counts(model, conditions):
    """Total rows and rows per condition, in one query."""
    aggregates = {"total": Count("pk")}
    for key, condition in conditions.items():
        aggregates[key] = Count("pk", filter=condition)
    return model._default_manager.aggregate(**aggregates)


def build_report():
    """Count every register and run every rule against it."""
    languages = translation_languages()
    rule_list = rules()
    models = register_models()

    # Gather, per model, every condition to count, so that each model is read once.
    per_model = {model: {} for model in models}
    for rule in rule_list:
        for model, condition in rule.conditions.items():
            per_model.setdefault(model, {})[f"rule:{rule.code}"] = condition
    for model in models:
        if translated_fields(model):
            for code, _name in languages:
                per_model[model][f"lang:{code}"] = missing_translation_q(model, code)
    counted = {model: _model_counts(model, conditions) for model, conditions in per_model.items()}

    checks = []
    for rule in rule_list:
        check = Check(rule.code, rule.title, rule.severity)
        for model, condition in rule.conditions.items():
            count = counted[model][f"rule:{rule.code}"]
            if count:
                check.count += count
                check.findings += _sample(model, condition)
                check.listings.append(
                    (model._meta.verbose_name_plural, _changelist_url(model, health=rule.code))
                )
        check.findings = check.findings[:SAMPLE_SIZE]
        checks.append(check)

    checks.append(_dpo_check())

    for code, name in languages:
        check = Check(
            f"translation_{code}",
            _("Texts missing in %(language)s") % {"language": _(name)},
            WARNING,
        )
        for model in models:
            count = counted[model].get(f"lang:{code}", 0)
            if count:
                check.count += count
                if len(check.findings) < SAMPLE_SIZE:
                    check.findings += _sample(model, missing_translation_q(model, code))
                check.listings.append(
                    (
                        model._meta.verbose_name_plural,
                        _changelist_url(model, missing_translation=code),
                    )
                )
        check.findings = check.findings[:SAMPLE_SIZE]
        checks.append(check)

    counts = [
        RegisterCount(
            model._meta.verbose_name_plural,
            counted[model]["total"],
            _admin_url(model, "changelist"),
        )
        for model in models
    ]
    return Report(counts=counts, checks=checks)


def _dpo_check():
    check = Check("no_published_dpo", _("No published data protection officer"), ERROR)
    published_dpo = Contact.objects.filter(role=ContactRole.DPO, published=True)
    if not published_dpo.exists():
        check.count = 1
        unpublished = Contact.objects.filter(role=ContactRole.DPO).order_by("pk").first()
        if unpublished is not None:
            check.findings.append(
                Finding(
                    _("The DPO %(contact)s is not published") % {"contact": unpublished},
                    _admin_url(Contact, "change", unpublished.pk),
                )
            )
        else:
            check.findings.append(
                Finding(_("Add the DPO's contact details"), _admin_url(Contact, "add"))
            )
    return check
