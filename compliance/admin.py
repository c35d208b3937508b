"""Admin configuration of the register. Configuration only: rules live in health.py and models.py.

Computed columns are annotated in get_queryset, so a changelist runs the same number of queries
whatever the number of rows.
"""

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline
from reversion.admin import VersionAdmin
from reversion.models import Version
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from compliance import (
    branding,
    consent_admin,  # noqa: F401 (registers the consent records' admin)
    documents,
    health,
    history,
    ocd,
    releases,
    scan_admin,  # noqa: F401 (registers the scanner's admin: sites, scans, reports)
    subscription_admin,  # noqa: F401 (registers subscribers and the e-mail log)
    tasks,
    translation_review,
    worker,
)
from compliance.admin_base import ReadOnlyAdmin
from compliance.concurrency import ConcurrencyGuardForm, without_version_check
from compliance.diff import diff_snapshots, with_labels
from compliance.models import (
    ChangeNotice,
    Contact,
    Cookie,
    DataCategory,
    DataElement,
    DataSubjectCategory,
    DocumentKind,
    JobState,
    KnownCookie,
    Organisation,
    PolicyClause,
    ProcessingLocation,
    Processor,
    Purpose,
    Redaction,
    Release,
    StorageItem,
    TechnicalMeasure,
)
from compliance.snapshot import build_snapshot, translated_fields
from compliance.transfer_admin import TransferAdminMixin


def in_all_languages(*names):
    """Search every language column of translated fields."""
    return [f"{name}_{code}" for name in names for code, _label in settings.LANGUAGES]


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("missing translation")
    parameter_name = "missing_translation"

    def lookups(self, request, model_admin):
        return health.translation_languages()

    def queryset(self, request, queryset):
        if self.value() in dict(health.translation_languages()):
            return queryset.filter(health.missing_translation_q(queryset.model, self.value()))
        return queryset


class HealthFilter(admin.SimpleListFilter):
    """Rows found by a rule of the health report: the dashboard's findings link here."""

    title = _("health finding")
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return [(rule.code, rule.title) for rule in health.rules_for_model(model_admin.model)]

    def queryset(self, request, queryset):
        condition = health.rule_condition(self.value(), queryset.model)
        if condition is not None:
            return queryset.filter(condition)
        return queryset


class TranslationReviewFilter(admin.SimpleListFilter):
    """Rows with a translation written against an English text that changed since."""

    title = _("translation to review")
    parameter_name = "translation_review"

    def lookups(self, request, model_admin):
        return health.translation_languages()

    def queryset(self, request, queryset):
        if self.value() in dict(health.translation_languages()):
            return queryset.filter(translation_review.to_review_q(self.value()))
        return queryset


class RegisterForm(ConcurrencyGuardForm):
    confirm_translations = forms.BooleanField(
        label=_("The translations marked “to review” are still right"),
        required=False,
        help_text=_("Tick to confirm them as they are; a translation you change is current."),
    )


class RegisterAdmin(TransferAdminMixin, VersionAdmin, TabbedTranslationAdmin, ModelAdmin):
    """Register admins: language tabs, history with recover and revert (django-reversion),
    a refusal to save over someone else's newer change (concurrency.py), and translations
    marked when their English text changed (translation_review.py)."""

    form = RegisterForm
    actions = ["confirm_translations"]

    class Media:
        css = {"all": ["compliance/admin/translation_review.css"]}
        js = ["compliance/admin/translation_review.js"]

    list_per_page = 100
    save_on_top = True
    # A web address typed without a scheme is taken as https (Django 6's default too).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "reverting", False):
            return without_version_check(form)
        # Each translation to review says so in its language tab.
        for code, names in ((obj.translations_to_review if obj else None) or {}).items():
            for name in names:
                field = form.base_fields.get(f"{name}_{code}")
                if field is not None:
                    field.help_text = _(
                        "To review: the English text changed since this translation was "
                        "written. Change it, or confirm it below."
                    )
                    field.widget.attrs["class"] = (
                        field.widget.attrs.get("class", "") + " translation-to-review"
                    ).strip()
                    field.widget.attrs["data-review-label"] = gettext("to review")
        return form

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if translated_fields(self.model):
            filters.append(TranslationReviewFilter)
        return filters

    def save_model(self, request, obj, form, change):
        if form.cleaned_data.get("confirm_translations"):
            obj._confirm_translations = True
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Confirm the translations of the selected rows"))
    def confirm_translations(self, request, queryset):
        confirmed = 0
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment("Translations confirmed")
            for obj in queryset.exclude(translations_to_review={}):
                obj._confirm_translations = True
                obj.save()
                confirmed += 1
        messages.success(
            request,
            ngettext(
                "Translations of %(count)d row confirmed.",
                "Translations of %(count)d rows confirmed.",
                confirmed,
            )
            % {"count": confirmed},
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not translated_fields(self.model) or not self.has_change_permission(request):
            actions.pop("confirm_translations", None)
        return actions

    object_history_template = "compliance/admin/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        """reversion's history, each version with what it changed: old and new values."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # before reading any version
        opts = self.model._meta
        versions = list(
            self._reversion_order_version_queryset(
                request,
                Version.objects.get_for_object_reference(self.model, unquote(object_id)),
            ).select_related("revision", "revision__user")
        )
        changes = history.changes_by_version(self.model, versions)
        action_list = [
            {
                "revision": version.revision,
                "url": reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision",
                    args=(quote(version.object_id), version.pk),
                ),
                "changes": changes[version.pk],
            }
            for version in versions
        ]
        return super().history_view(
            request, object_id, {**(extra_context or {}), "action_list": action_list}
        )

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Reverting replaces the row with a chosen past state on purpose: no stale-copy check.
        request.reverting = True
        # What the revert will change is read before it happens, said once it has.
        restoring = request.method == "POST" and history.restoring(
            self.model, unquote(object_id), version_id
        )
        response = super().revision_view(request, object_id, version_id, extra_context)
        if restoring and response.status_code == 302:
            messages.info(request, history.restored_message(*restoring))
        return response

    def recover_view(self, request, version_id, extra_context=None):
        request.reverting = True
        return super().recover_view(request, version_id, extra_context)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        fields = {name for _title, options in fieldsets for name in options["fields"]}
        editing = (
            obj is not None
            and self.has_change_permission(request, obj)
            and not getattr(request, "reverting", False)
        )
        if editing and (obj.translations_to_review or {}) and "confirm_translations" not in fields:
            fieldsets = [*fieldsets, (_("Translations"), {"fields": ["confirm_translations"]})]
        if editing and "edited_version" not in fields:
            fieldsets = [*fieldsets, (None, {"fields": ["edited_version"]})]
        elif not editing and "edited_version" in fields:
            fieldsets = [
                (
                    title,
                    {**options, "fields": [f for f in options["fields"] if f != "edited_version"]},
                )
                for title, options in fieldsets
            ]
        return fieldsets


class OrganisationForm(RegisterForm):
    """The organisation, with its logo uploaded here (compliance/branding.py checks and redraws
    it) and its accent colour picked."""

    logo_upload = forms.FileField(
        label=_("new logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP; it is redrawn as a PNG of at most 800 × 240 pixels."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("remove the logo"), required=False)

    class Meta:
        widgets = {"accent_colour": forms.TextInput(attrs={"type": "color"})}

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if not upload:
            return None
        try:
            self.brand_image = branding.prepare_logo(upload)
        except branding.LogoRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return upload

    def save(self, commit=True):
        if getattr(self, "brand_image", None) is not None:
            self.instance.logo = self.brand_image.sha256
        elif self.cleaned_data.get("remove_logo"):
            self.instance.logo = ""
        return super().save(commit)


@admin.register(Organisation)
class OrganisationAdmin(RegisterAdmin):
    list_display = ["legal_name", "registration_number", "country", "website"]
    list_filter = [MissingTranslationFilter]
    search_fields = ["legal_name", "registration_number"]
    fieldsets = [
        (
            None,
            {"fields": ["legal_name", "registration_number", "address", "country", "website"]},
        ),
        (_("Data protection"), {"fields": ["data_location", "privacy_by_default"]}),
        (
            _("Description of the processing (DPA Annex II)"),
            {
                "fields": [
                    "processing_subject_matter",
                    "processing_nature",
                    "processing_duration",
                    "processing_frequency",
                    "supervisory_authority",
                    "controllers_description",
                ]
            },
        ),
        (
            _("Clauses of the data-processing agreement (Decision (EU) 2021/915)"),
            {
                "fields": [
                    "subprocessor_authorisation",
                    "subprocessor_notice_days",
                    "docking_clause",
                ]
            },
        ),
        (
            _("Branding of the public pages and documents"),
            {"fields": ["logo_preview", "logo_upload", "remove_logo", "accent_colour"]},
        ),
    ]
    form = OrganisationForm
    readonly_fields = ["logo_preview"]

    @admin.display(description=_("current logo"))
    def logo_preview(self, obj):
        path = branding.logo_path(obj.logo) if obj else ""
        if not path:
            return "—"
        return format_html('<img src="{}" alt="{}" height="60">', path, obj.legal_name)

    def has_add_permission(self, request):
        # One organisation per installation. The page asks several times (the header's add
        # link, the navigation, the object tools): the database once per request.
        if not super().has_add_permission(request):
            return False
        if not hasattr(request, "organisation_exists"):
            request.organisation_exists = Organisation.objects.exists()
        return not request.organisation_exists


@admin.register(Contact)
class ContactAdmin(RegisterAdmin):
    list_display = ["__str__", "role", "title", "email", "phone", "published"]
    list_filter = ["role", "published", MissingTranslationFilter]
    search_fields = ["name", "email", "phone", *in_all_languages("title")]


@admin.register(DataSubjectCategory)
class DataSubjectCategoryAdmin(RegisterAdmin):
    list_display = ["name", "slug", "position", "purpose_count"]
    list_filter = [MissingTranslationFilter]
    search_fields = ["slug", "fides_key", *in_all_languages("name", "description")]
    prepopulated_fields = {"slug": ["name_en"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(purpose_count=Count("purposes"))

    @admin.display(description=_("purposes"), ordering="purpose_count")
    def purpose_count(self, obj):
        return obj.purpose_count


class VersionedInlineMixin:
    """Inline rows carry their edit version too, so two editors of the same category or
    processor cannot overwrite each other's rows (concurrency.py)."""

    form = ConcurrencyGuardForm

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if getattr(request, "reverting", False):
            formset.form = without_version_check(formset.form)
        return formset


class DataElementInline(VersionedInlineMixin, TranslationTabularInline, TabularInline):
    model = DataElement
    extra = 1
    fields = ["name", "slug", "position", "edited_version"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(DataCategory)
class DataCategoryAdmin(RegisterAdmin):
    list_display = ["name", "slug", "parent", "special_category", "element_count", "position"]
    list_filter = ["special_category", HealthFilter, MissingTranslationFilter]
    list_select_related = ["parent"]
    search_fields = ["slug", "fides_key", *in_all_languages("name", "description")]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["parent"]
    inlines = [DataElementInline]
    fields = [
        "name",
        "slug",
        "parent",
        "fides_key",
        "description",
        "special_category",
        "safeguards",
        "source",
        "position",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(element_count=Count("elements"))

    @admin.display(description=_("data elements"), ordering="element_count")
    def element_count(self, obj):
        return obj.element_count


@admin.register(DataElement)
class DataElementAdmin(RegisterAdmin):
    list_display = ["name", "category", "slug", "position"]
    list_filter = ["category", MissingTranslationFilter]
    list_select_related = ["category"]
    search_fields = ["slug", *in_all_languages("name")]
    autocomplete_fields = ["category"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Purpose)
class PurposeAdmin(RegisterAdmin):
    list_display = [
        "name",
        "role",
        "legal_basis",
        "consent_required",
        "data_category_count",
        "processor_count",
    ]
    list_filter = [
        "role",
        "legal_basis",
        "consent_required",
        HealthFilter,
        MissingTranslationFilter,
    ]
    search_fields = ["slug", "fides_key", *in_all_languages("name", "description")]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["data_subject_categories", "data_categories"]
    fields = [
        "name",
        "slug",
        "fides_key",
        "role",
        "description",
        "legal_basis",
        "legitimate_interest",
        "consent_required",
        "retention",
        "data_subject_categories",
        "data_categories",
        "recipients",
        "provision_requirement",
        "automated_decisions",
        "position",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                data_category_count=Count("data_categories", distinct=True),
                processor_count=Count("processors", distinct=True),
            )
        )

    @admin.display(description=_("personal-data categories"), ordering="data_category_count")
    def data_category_count(self, obj):
        return obj.data_category_count

    @admin.display(description=_("processors"), ordering="processor_count")
    def processor_count(self, obj):
        return obj.processor_count


class ProcessingLocationInline(VersionedInlineMixin, TabularInline):
    model = ProcessingLocation
    extra = 1
    fields = ["country", "edited_version"]


@admin.register(Processor)
class ProcessorAdmin(RegisterAdmin):
    list_display = [
        "name",
        "country",
        "location_list",
        "transfer_safeguard",
        "status",
        "parent",
        "subprocessor_count",
    ]
    list_filter = [
        "status",
        "transfer_safeguard",
        "country",
        ("locations__country", admin.AllValuesFieldListFilter),
        HealthFilter,
        MissingTranslationFilter,
    ]
    list_select_related = ["parent"]
    search_fields = ["name", "registration_number", "contact_name", "contact_email"]
    autocomplete_fields = ["parent", "data_categories", "purposes"]
    inlines = [ProcessingLocationInline]
    fieldsets = [
        (None, {"fields": ["name", "registration_number", "address", "country"]}),
        (
            _("Contact person"),
            {"fields": ["contact_name", "contact_title", "contact_email", "contact_phone"]},
        ),
        (
            _("Processing"),
            {
                "fields": [
                    "processing_description",
                    "responsibilities",
                    "data_categories",
                    "purposes",
                ]
            },
        ),
        (_("Transfers"), {"fields": ["transfer_safeguard", "transfer_safeguard_note"]}),
        (
            _("Engagement"),
            {
                "fields": [
                    "parent",
                    "status",
                    "active_from",
                    "active_until",
                    "website",
                    "dpa_url",
                    "privacy_url",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(subprocessor_count=Count("subprocessors", distinct=True))
            .prefetch_related("locations")
        )

    @admin.display(description=_("processing locations"))
    def location_list(self, obj):
        return ", ".join(location.country.code for location in obj.locations.all())

    @admin.display(description=_("sub-processors"), ordering="subprocessor_count")
    def subprocessor_count(self, obj):
        return obj.subprocessor_count


def tracking_item_fieldsets(identity_fields):
    return [
        (None, {"fields": identity_fields}),
        (
            _("What it does"),
            {
                "fields": [
                    "purpose",
                    "description",
                    "third_party_access",
                    "consent_required",
                    "necessity_justification",
                ]
            },
        ),
        (
            _("Retention"),
            {"fields": ["retention_kind", "retention_value", "retention_unit", "retention_note"]},
        ),
        (None, {"fields": ["last_reviewed"]}),
    ]


class TrackingItemAdmin(RegisterAdmin):
    """What the cookie and storage-item admins share."""

    list_filter = [
        "category",
        "consent_required",
        "third_party_access",
        "retention_kind",
        ("provider", admin.RelatedOnlyFieldListFilter),
        HealthFilter,
        MissingTranslationFilter,
    ]
    list_select_related = ["provider"]
    search_fields = [
        "name",
        "domain",
        "provider__name",
        *in_all_languages("purpose", "description"),
    ]
    autocomplete_fields = ["provider"]

    change_form_template = "compliance/admin/tracking_item_change_form.html"

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        known = self.admin_site.admin_view(self.known_cookies_view)
        return [
            path("known-cookies/", known, name=f"{prefix}_known_cookies"),
            *super().get_urls(),
        ]

    def known_cookies_view(self, request):
        """Known cookies for ?name=, for the change form to offer (known_cookies.js)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return JsonResponse({"suggestions": ocd.suggestions(request.GET.get("name", ""))})

    @admin.display(description=_("provider"), ordering="provider__name")
    def provider_display(self, obj):
        return obj.provider or _("First party")

    @admin.display(description=_("retention"))
    def retention_column(self, obj):
        return obj.retention_display()


@admin.register(Cookie)
class CookieAdmin(TrackingItemAdmin):
    list_display = [
        "name",
        "provider_display",
        "domain",
        "category",
        "retention_column",
        "consent_required",
        "third_party_access",
    ]
    fieldsets = tracking_item_fieldsets(["name", "provider", "domain", "category"])


@admin.register(StorageItem)
class StorageItemAdmin(TrackingItemAdmin):
    list_display = [
        "name",
        "storage_type",
        "provider_display",
        "category",
        "retention_column",
        "consent_required",
        "third_party_access",
    ]
    list_filter = ["storage_type", *TrackingItemAdmin.list_filter]
    fieldsets = tracking_item_fieldsets(["name", "storage_type", "provider", "domain", "category"])


@admin.register(TechnicalMeasure)
class TechnicalMeasureAdmin(RegisterAdmin):
    list_display = [
        "slug",
        "heading",
        "processor",
        "not_applicable",
        "certification",
        "assists_controller",
        "position",
    ]
    list_filter = [
        "heading",
        "not_applicable",
        "assists_controller",
        ("processor", admin.EmptyFieldListFilter),
        MissingTranslationFilter,
    ]
    list_select_related = ["processor"]
    search_fields = ["slug", "certification", *in_all_languages("description")]


@admin.register(PolicyClause)
class PolicyClauseAdmin(RegisterAdmin):
    list_display = ["title", "slug", "position"]
    list_filter = [MissingTranslationFilter]
    search_fields = ["slug", *in_all_languages("title", "text")]
    prepopulated_fields = {"slug": ["title_en"]}


# --- Releases ------------------------------------------------------------------------------


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What this release is, e.g. 'Added Smartlook recordings'. Shown to readers."),
    )
    effective_date = forms.DateField(label=_("Effective date"), widget=AdminDateWidget)
    notice_days = forms.IntegerField(
        label=_("Notice period for sub-processor changes (days)"), min_value=0
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    version = forms.ChoiceField(label=_("Release"))

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = versions


def document_links(version):
    """(document title, [(language code, url)]) for a release's or the draft's documents."""
    return [
        (
            title,
            [
                (code, reverse("admin:compliance_release_document", args=[version, kind, code]))
                for code, _name in settings.LANGUAGES
            ],
        )
        for kind, title in DocumentKind.choices
    ]


def release_document_rows(release):
    """(document title, [(language code, download url, DocumentRender or None)]) of a release:
    each document's state in the background."""
    states = tasks.document_states(release)
    return [
        (
            title,
            [
                (
                    code,
                    reverse("admin:compliance_release_document", args=[release.number, kind, code]),
                    states.get((kind, code)),
                )
                for code, _name in settings.LANGUAGES
            ],
        )
        for kind, title in DocumentKind.choices
    ]


def release_choices():
    return Release.objects.order_by("-number").values_list("number", flat=True)


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    """Releases are read here and made by publishing; nobody changes or deletes them."""

    list_display = ["number", "effective_date", "published_at", "publisher", "note", "short_hash"]
    fields = [
        "number",
        "effective_date",
        "published_at",
        "publisher",
        "note",
        "schema_version",
        "content_hash",
    ]
    readonly_fields = fields
    search_fields = ["note"]
    change_list_template = "compliance/admin/release_change_list.html"
    change_form_template = "compliance/admin/release_change_form.html"

    @admin.display(description=_("published by"))
    def publisher(self, obj):
        return obj.published_by or _("command line")

    @admin.display(description=_("content hash"))
    def short_hash(self, obj):
        return obj.content_hash[:12]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("publish/", view(self.publish_view), name="compliance_release_publish"),
            path(
                "draft/diff.json", view(self.draft_diff_json), name="compliance_release_draft_diff"
            ),
            path("<int:number>/diff.json", view(self.diff_json), name="compliance_release_diff"),
            path("<int:number>/render/", view(self.render_view), name="compliance_release_render"),
            path("documents/", view(self.documents_view), name="compliance_release_documents"),
            path(
                "document/<str:version>/<str:kind>/<str:language>.pdf",
                view(self.document_view),
                name="compliance_release_document",
            ),
            *super().get_urls(),
        ]

    def _comparison(self, request, release):
        """The diff shown for `release`: against ?against=N, 'draft', or the previous one."""
        against = request.GET.get("against", "")
        if against == "draft":
            return "draft", diff_snapshots(release.snapshot, build_snapshot())
        if against.isdigit():
            other = get_object_or_404(Release, number=int(against))
            return other.number, releases.release_diff(release, against=other)
        previous = Release.objects.filter(number__lt=release.number).order_by("-number").first()
        return (previous.number if previous else None), releases.release_diff(release)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        release = self.get_object(request, object_id)
        if release is None or not self.has_view_permission(request, release):
            raise Http404
        try:
            releases.verified_snapshot(release)
        except releases.TamperedRelease as refusal:
            messages.error(request, str(refusal))
        against, diff = self._comparison(request, release)
        extra_context = {
            **(extra_context or {}),
            "diff": with_labels(diff),
            "against": against,
            "other_releases": [n for n in release_choices() if n != release.number],
            "diff_json_url": reverse("admin:compliance_release_diff", args=[release.number]),
            "change_notices": release.change_notices.all(),
            **self._documents_context(request, release),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _documents_context(self, request, release):
        rows = release_document_rows(release)
        renders = [render for _title, links in rows for _code, _url, render in links]
        pending = any(render is not None and render.pending for render in renders)
        alive = worker.workers_alive()
        return {
            "document_rows": rows,
            "documents_pending": pending,
            "no_worker": pending and alive == 0,
            # The page follows the rendering while a worker is at it.
            "refresh_seconds": 3 if pending and alive else None,
            "can_render": request.user.has_perm(releases.PUBLISH_PERMISSION)
            and any(render is None or render.state == JobState.FAILED for render in renders),
            "render_url": reverse("admin:compliance_release_render", args=[release.number]),
        }

    def render_view(self, request, number):
        """Queue the documents of a release that failed or were never queued."""
        if not request.user.has_perm(releases.PUBLISH_PERMISSION):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        release = get_object_or_404(Release, number=number)
        queued = len(tasks.queue_release_documents(release))
        messages.success(
            request,
            ngettext(
                "%(count)d document queued for rendering.",
                "%(count)d documents queued for rendering.",
                queued,
            )
            % {"count": queued},
        )
        return redirect("admin:compliance_release_change", release.pk)

    def diff_json(self, request, number):
        release = get_object_or_404(Release, number=number)
        if not self.has_view_permission(request, release):
            raise PermissionDenied
        against, diff = self._comparison(request, release)
        return JsonResponse(
            {"release": release.number, "against": against, **diff},
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )

    def draft_diff_json(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        latest = releases.latest_release()
        return JsonResponse(
            {
                "release": "draft",
                "against": latest.number if latest else None,
                **releases.draft_diff(),
            },
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )

    def document_view(self, request, version, kind, language):
        """A release's PDF (rendered once, then the stored bytes) or the draft's."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if kind not in dict(DocumentKind.choices) or language not in dict(settings.LANGUAGES):
            raise Http404
        organisation = Organisation.objects.values_list("legal_name", flat=True).first() or ""
        if version == "draft":
            pdf, release = documents.draft_document(kind, language), None
        elif version.isdigit():
            release = get_object_or_404(Release, number=int(version))
            try:
                pdf = documents.release_document(release, kind, language)
            except releases.TamperedRelease as refusal:
                return HttpResponse(str(refusal), status=500, content_type="text/plain")
            except documents.StaleRelease as refusal:
                return HttpResponse(str(refusal), status=409, content_type="text/plain")
        else:
            raise Http404
        response = HttpResponse(pdf, content_type="application/pdf")
        name = documents.filename(kind, language, release, organisation)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response  # admin views are never cached, the draft included

    def documents_view(self, request):
        """Choose a document, a language and a release (or the draft)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        versions = [("draft", _("the draft"))] + [
            (str(n), _("release %(number)s") % {"number": n}) for n in release_choices()
        ]
        form = DocumentForm(request.GET or None, versions=versions)
        if form.is_valid():
            return redirect(
                "admin:compliance_release_document",
                form.cleaned_data["version"],
                form.cleaned_data["kind"],
                form.cleaned_data["language"],
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Documents"),
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "compliance/admin/documents.html", context)

    def publish_view(self, request):
        if not request.user.has_perm(releases.PUBLISH_PERMISSION):
            raise PermissionDenied
        refused = []
        if request.method == "POST":
            form = PublishForm(request.POST)
            if form.is_valid():
                try:
                    release = releases.publish(user=request.user, **form.cleaned_data)
                except releases.PublishRefused as refusal:
                    refused = refusal.reasons
                else:
                    messages.success(request, _("Published %(release)s.") % {"release": release})
                    return redirect("admin:compliance_release_change", release.pk)
        else:
            form = PublishForm(
                initial={
                    "effective_date": timezone.localdate(),
                    "notice_days": releases.agreed_notice_days(),
                }
            )
        latest = releases.latest_release()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Publish a release"),
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "latest": latest,
            "diff": with_labels(releases.draft_diff()),
            "blocking": releases.blocking_reasons(),
            "translation_warnings": []
            if settings.TRANSLATION_REVIEW_BLOCKS_PUBLISH
            else releases.translation_review_reasons(),
            "refused": refused,
        }
        return TemplateResponse(request, "compliance/admin/publish.html", context)


@admin.register(ChangeNotice)
class ChangeNoticeAdmin(ReadOnlyAdmin):
    list_display = [
        "processor_name",
        "kind",
        "release",
        "notified_on",
        "notice_period_days",
        "takes_effect_on",
    ]
    list_filter = ["kind"]
    list_select_related = ["release"]
    search_fields = ["processor_name"]
    fields = [
        "release",
        "kind",
        "processor_name",
        "notice_text",
        "notified_on",
        "notice_period_days",
        "takes_effect_on",
        "objection_list",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_objection_count=Count("objections", filter=Q(objections__outcome="")))
        )

    def get_list_display(self, request):
        return [*super().get_list_display(request), "open_objections"]

    @admin.display(description=_("notice"))
    def notice_text(self, obj):
        return obj.text

    @admin.display(description=_("open objections"), ordering="open_objection_count")
    def open_objections(self, obj):
        return obj.open_objection_count

    @admin.display(description=_("objections"))
    def objection_list(self, obj):
        """Each objection to this change, linked, with its state."""
        rows = [
            (
                reverse("admin:compliance_objection_change", args=[objection.pk]),
                objection.reference,
                objection.company,
                objection.get_outcome_display() or gettext("open"),
            )
            for objection in obj.objections.order_by("submitted_at")
        ]
        if not rows:
            return "—"
        items = format_html_join("", '<li><a href="{}">{}</a> – {} ({})</li>', rows)
        return format_html("<ul>{}</ul>", items)


@admin.register(Redaction)
class RedactionAdmin(ReadOnlyAdmin):
    """The audit trail of redactions (manage.py redact_release); the values themselves are
    recorded only as their SHA-256."""

    list_display = ["release", "redacted_at", "redacted_by", "reason", "short_hashes"]
    list_select_related = ["release", "redacted_by"]
    fields = [
        "release",
        "redacted_at",
        "redacted_by",
        "reason",
        "replacements",
        "original_content_hash",
        "content_hash",
    ]
    readonly_fields = fields

    @admin.display(description=_("content hash before and after"))
    def short_hashes(self, obj):
        return f"{obj.original_content_hash[:12]} → {obj.content_hash[:12]}"


@admin.register(KnownCookie)
class KnownCookieAdmin(ReadOnlyAdmin):
    """The Open Cookie Database, to look things up in; refreshed by load_known_cookies."""

    list_display = ["name", "wildcard", "platform", "category", "retention", "data_controller"]
    list_filter = ["category", "wildcard"]
    search_fields = ["name", "platform", "data_controller", "description"]
    readonly_fields = [f.name for f in KnownCookie._meta.fields if f.name != "id"]


# Users and groups in the same theme as the rest of the admin (unfold's forms for them).
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass
