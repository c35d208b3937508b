"""The register's health report, shown on the admin dashboard.

Each rule is a named database filter per model, so that the dashboard can count and sample what a
rule finds and the admin changelists can show all of it (the "health finding" filter uses the same
filters). All counts for one model come from one aggregate query, which keeps the dashboard fast
whatever the size of the register.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import translator

from compliance import fides
from compliance.models import (
    Contact,
    ContactRole,
    Cookie,
    DataCategory,
    DataElement,
    DataSubjectCategory,
    KnownCookie,
    LegalBasis,
    MeasureHeading,
    Organisation,
    PolicyClause,
    ProcessingLocation,
    ProcessingRole,
    Processor,
    ProcessorStatus,
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
    # What it enforces: the item of section 6 of the legal reference (regulators' findings) or
    # the annex field; README.md lists each rule beside it (a test compares the two).
    enforces: str = ""


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


ENFORCES = {
    "unclassified": "Cookie tables 1: every item classified",
    "purpose_without_legal_basis": "Art. 13(1)(c) and Art. 30: a legal basis for each purpose",
    "special_category_unmarked": "Annex II item 3 and Art. 9: sensitive data and its safeguards",
    "required_text_missing": "Annexes I–IV and Art. 30(2): required texts",
    "consent_not_required": "Cookie tables 1 and 7: statistics and marketing need consent",
    "no_retention": "Cookie tables 2: duration",
    "necessary_without_justification": "Cookie tables 1: an exemption reason for necessary items",
    "necessary_known_as_tracking": "Cookie tables 1: analytics or ad cookies labelled necessary",
    "necessary_purpose_reads_as_tracking": "Cookie tables 1: a purpose that is not strictly "
    "necessary",
    "third_party_without_provider": "Cookie tables 2 and 5; sub-processor lists 1: named third "
    "parties",
    "consent_on_legitimate_interest": "Cookie tables 7: legitimate interest for cookies",
    "transfer_without_safeguard": "Sub-processor lists 7: transfer mechanism",
    "no_location": "Sub-processor lists 7: processing location",
    "no_delimitation": "Sub-processor lists 5: delimitation of responsibilities",
    "no_objection_route": "Sub-processor lists 4: a way to object",
    "generic_measures": "Sub-processor lists 6: concrete, not generic, measures",
    "special_without_safeguards": "Sub-processor lists 8: sensitive data with safeguards",
    "annex_field_blank": "Annexes I, II and IV: fields the documents print",
    "retention_to_review": "Cookie tables 2: duration read from an import",
    "category_to_review": "Cookie tables 1: category read from an import",
    "necessary_long_lived": "Cookie tables 3: lifespan of necessary items",
    "annex_iii_heading_empty": "Annex III: every heading described or marked not applicable",
    "processor_measures_missing": "Annex III: the measures of each sub-processor",
    "controller_notice_incomplete": "Art. 13(1)(e), 13(2)(a), (e) and (f): the controller's "
    "own notice",
    "controllers_not_stated": "Art. 30(2)(a): the controllers the processor acts for",
}

# Words in an item's English purpose or description that a strictly necessary item does not
# need (CBTF para 8: analytics, advertising and A/B testing are never necessary).
TRACKING_WORDS = (
    r"analytic|statistic|advertis|marketing|remarketing|retarget|a/b test|ab test|"
    r"conversion|audience|profil|track"
)

# Shorter than this, a measure's description is a heading, not a description (Annex III:
# "concretely and not in a generic manner").
MEASURE_MIN_CHARACTERS = 40


def rules():
    """Every rule, in the order the dashboard shows them. Built on call: settings may change."""
    return [
        Rule(rule.code, rule.title, rule.severity, rule.conditions, ENFORCES[rule.code])
        for rule in _rules()
    ]


def _engaged_processors_q():
    """Processors an output lists (planned ones are not announced yet)."""
    return ~Q(status=ProcessorStatus.PLANNED)


def _no_objection_route_q():
    route = Contact.objects.filter(
        published=True, role__in=[ContactRole.PRIVACY_CONTACT, ContactRole.DPO]
    ).exclude(email="")
    return ~Q(Exists(route))


def _annex_iii_heading_empty_q():
    """Some Annex III heading has none of the organisation's own measures (applicable or marked
    not applicable): the annexes then print it as "to be completed"."""
    own = TechnicalMeasure.objects.filter(processor__isnull=True)
    empty = Q()
    for heading in MeasureHeading.values:
        empty |= ~Q(Exists(own.filter(heading=heading)))
    return empty


def _rules():
    consent_categories = [TrackingCategory.STATISTICS, TrackingCategory.MARKETING]
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    known_as_tracking = KnownCookie.objects.filter(
        name=OuterRef("name"), category__in=["Analytics", "Marketing"]
    )
    return [
        Rule(
            "unclassified",
            _("Cookies and storage items not yet classified"),
            BLOCKING,
            {m: Q(category=TrackingCategory.UNCLASSIFIED) for m in ITEM_MODELS},
        ),
        Rule(
            "purpose_without_legal_basis",
            _("Purposes with no legal basis chosen (from a template)"),
            BLOCKING,
            {Purpose: Q(legal_basis="")},
        ),
        Rule(
            "special_category_unmarked",
            _("Categories the Fides taxonomy counts as special data, not marked special"),
            WARNING,
            {DataCategory: fides.special_q() & Q(special_category=False)},
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
            "necessary_without_justification",
            _("Necessary items with no reason why they are strictly necessary"),
            ERROR,
            {
                m: Q(category=TrackingCategory.NECESSARY)
                & is_blank(f"necessity_justification_{default}")
                for m in ITEM_MODELS
            },
        ),
        Rule(
            "necessary_known_as_tracking",
            _("Necessary items the Open Cookie Database lists as analytics or marketing"),
            ERROR,
            {
                m: Q(category=TrackingCategory.NECESSARY) & Q(Exists(known_as_tracking))
                for m in ITEM_MODELS
            },
        ),
        Rule(
            "necessary_purpose_reads_as_tracking",
            _("Necessary items whose purpose reads like statistics or advertising"),
            WARNING,
            {
                m: Q(category=TrackingCategory.NECESSARY)
                & (
                    Q(**{f"purpose_{default}__iregex": TRACKING_WORDS})
                    | Q(**{f"description_{default}__iregex": TRACKING_WORDS})
                )
                for m in ITEM_MODELS
            },
        ),
        Rule(
            "third_party_without_provider",
            _("Items third parties access with no named provider"),
            ERROR,
            {m: Q(third_party_access=True, provider__isnull=True) for m in ITEM_MODELS},
        ),
        Rule(
            "consent_on_legitimate_interest",
            _("Purposes that need consent but rest on legitimate interests"),
            ERROR,
            {Purpose: Q(consent_required=True, legal_basis=LegalBasis.LEGITIMATE_INTERESTS)},
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
            "no_location",
            _("Sub-processors with no processing location"),
            ERROR,
            {
                Processor: _engaged_processors_q()
                & ~Q(Exists(ProcessingLocation.objects.filter(processor=OuterRef("pk"))))
            },
        ),
        Rule(
            "no_delimitation",
            _("Sub-processors with no delimitation of responsibilities"),
            WARNING,
            {Processor: _engaged_processors_q() & is_blank(f"responsibilities_{default}")},
        ),
        Rule(
            "no_objection_route",
            _("No published privacy contact or DPO e-mail to receive objections"),
            ERROR,
            {Organisation: _no_objection_route_q()},
        ),
        Rule(
            "generic_measures",
            _("Technical measures too short to be concrete"),
            WARNING,
            {
                TechnicalMeasure: ~Q(
                    **{f"description_{default}__regex": rf"[\s\S]{{{MEASURE_MIN_CHARACTERS}}}"}
                )
            },
        ),
        Rule(
            "special_without_safeguards",
            _("Special categories of data without safeguards"),
            ERROR,
            {DataCategory: Q(special_category=True) & is_blank("safeguards_en")},
        ),
        Rule(
            "annex_field_blank",
            _("Fields the DPA annexes print, left empty"),
            ERROR,
            {
                Organisation: is_blank("address")
                | is_blank(f"processing_subject_matter_{default}")
                | is_blank(f"processing_nature_{default}")
                | is_blank(f"processing_duration_{default}")
                # Lists the annexes print, empty: Annex I's contact, Annex II 1, 2 and 5,
                # Annex III and its measures to assist the controller.
                | ~Q(Exists(Contact.objects.all()))
                | ~Q(Exists(DataSubjectCategory.objects.all()))
                | ~Q(Exists(DataCategory.objects.all()))
                | ~Q(Exists(Purpose.objects.all()))
                | ~Q(Exists(TechnicalMeasure.objects.all()))
                | ~Q(Exists(TechnicalMeasure.objects.filter(assists_controller=True))),
                # Annex IV: address, contact person and description of each sub-processor.
                Processor: _engaged_processors_q()
                & (
                    is_blank("address")
                    | is_blank(f"processing_description_{default}")
                    | (is_blank("contact_name") & is_blank("contact_email"))
                ),
            },
        ),
        Rule(
            "annex_iii_heading_empty",
            _("Annex III headings with no measure and not marked as not applicable"),
            WARNING,
            {Organisation: _annex_iii_heading_empty_q()},
        ),
        Rule(
            "processor_measures_missing",
            _("Sub-processors whose measures are not described (Annex III)"),
            WARNING,
            {
                Processor: _engaged_processors_q()
                & ~Q(Exists(TechnicalMeasure.objects.filter(processor=OuterRef("pk"))))
            },
        ),
        Rule(
            "controller_notice_incomplete",
            _("Own processing (as controller) missing an item of the privacy notice"),
            ERROR,
            {
                Purpose: Q(role=ProcessingRole.CONTROLLER)
                & (
                    is_blank(f"retention_{default}")
                    | is_blank(f"provision_requirement_{default}")
                    | is_blank(f"automated_decisions_{default}")
                    | (
                        is_blank(f"recipients_{default}")
                        & ~Q(
                            Exists(
                                Processor.purposes.through.objects.filter(purpose=OuterRef("pk"))
                            )
                        )
                    )
                )
            },
        ),
        Rule(
            "controllers_not_stated",
            _("The controllers the organisation processes data for are not stated"),
            WARNING,
            {
                Organisation: is_blank(f"controllers_description_{default}")
                & Q(Exists(Purpose.objects.filter(role=ProcessingRole.PROCESSOR)))
            },
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


# A consent violation on the live site is an error of the site, not of the register: it does
# not block publishing (the register may be right and the site wrong).
SCAN_SEVERITY = {
    "before_consent": ERROR,
    "after_refusal": ERROR,
    "undeclared": ERROR,
    "longer": ERROR,
    "unknown_host": WARNING,
    "not_seen": WARNING,
}


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
                per_model[model][f"review:{code}"] = Q(translations_to_review__has_key=code)
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

    for code, name in languages:
        checks.append(_review_check(models, counted, code, name))

    checks.extend(scan_checks())

    counts = [
        RegisterCount(
            model._meta.verbose_name_plural,
            counted[model]["total"],
            _admin_url(model, "changelist"),
        )
        for model in models
    ]
    return Report(counts=counts, checks=checks)


def scan_checks():
    """The findings of each site's latest finished scan (compliance/scanner/), one check per
    kind of finding: what the live site stores against what the register declares."""
    from compliance.models import JobState, Scan, ScanSite
    from compliance.scanner.report import FindingKind

    latest = Scan.objects.filter(site=OuterRef("pk"), state=JobState.DONE).order_by("-finished_at")
    scan_ids = ScanSite.objects.annotate(latest=Subquery(latest.values("pk")[:1])).values_list(
        "latest", flat=True
    )
    scans = Scan.objects.filter(pk__in=[pk for pk in scan_ids if pk]).select_related("site")
    checks = {
        kind: Check(f"scan_{kind}", FindingKind.TITLES[kind], SCAN_SEVERITY[kind])
        for kind in FindingKind.ORDER
    }
    for scan in scans.order_by("site__name"):
        url = _admin_url(Scan, "change", scan.pk)
        for kind, entry in scan.findings.items():
            check = checks.get(kind)
            if check is None:
                continue
            check.count += entry["count"]
            for name in entry["names"]:
                if len(check.findings) < SAMPLE_SIZE:
                    check.findings.append(Finding(f"{scan.site.name}: {name}", url))
            check.listings.append((scan.site.name, url))
    return list(checks.values())


def _review_check(models, counted, code, name):
    """Translations into `code` written against an English text that has changed since."""
    check = Check(
        f"translation_review_{code}",
        _("Translations to review in %(language)s (the English text changed)")
        % {"language": _(name)},
        WARNING,
    )
    condition = Q(translations_to_review__has_key=code)
    for model in models:
        count = counted[model].get(f"review:{code}", 0)
        if count:
            check.count += count
            if len(check.findings) < SAMPLE_SIZE:
                check.findings += _sample(model, condition)
            check.listings.append(
                (model._meta.verbose_name_plural, _changelist_url(model, translation_review=code))
            )
    check.findings = check.findings[:SAMPLE_SIZE]
    return check


def translations_to_review():
    """{language: rows with a translation to review}, for the publish page."""
    counts = {}
    for model in register_models():
        if not translated_fields(model):
            continue
        aggregates = {
            code: Count("pk", filter=Q(translations_to_review__has_key=code))
            for code, _name in translation_languages()
        }
        for code, count in model._default_manager.aggregate(**aggregates).items():
            counts[code] = counts.get(code, 0) + count
    return {code: count for code, count in counts.items() if count}


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
