"""Subscribers to e-mail notices, customers' objections and the log of e-mails sent, in the
admin.

Subscribers come only through the public form and its confirmation (double opt-in): nobody
adds or edits one here. Removing a subscriber erases the address (someone asked to be
forgotten, or it bounces): unlike the register's rows it is not kept for recovery, and the
admin's log records who removed it. The log of deliveries is read-only and keeps the address
each e-mail went to: it shows that customers were told.
"""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from compliance.admin_base import ReadOnlyAdmin
from compliance.models import Delivery, DeliveryState, Objection, ObjectionOutcome, Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(ModelAdmin):
    list_display = ["email", "language", "state", "subscribed_at", "confirmed_at"]
    list_filter = ["state", "language"]
    search_fields = ["email"]
    date_hierarchy = "subscribed_at"
    fields = [
        "email", "language", "state", "subscribed_at", "confirmed_at", "unsubscribed_at",
        "ip_prefix", "base_url",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The form is shown read-only to whoever may view; nothing in it can be saved.
        return False


class BouncedFilter(admin.SimpleListFilter):
    title = _("problems")
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [("bounced", _("bounces")), ("failed", _("failed")), ("waiting", _("waiting"))]

    def queryset(self, request, queryset):
        states = {
            "bounced": [DeliveryState.BOUNCED],
            "failed": [DeliveryState.FAILED],
            "waiting": [DeliveryState.QUEUED, DeliveryState.SENDING],
        }.get(self.value())
        return queryset.filter(state__in=states) if states else queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["queued_at", "email", "kind", "release", "state", "attempts", "sent_at"]
    list_filter = [BouncedFilter, "state", "kind", "language"]
    search_fields = ["email"]
    date_hierarchy = "queued_at"
    list_select_related = ["release"]
    fields = [
        "kind", "email", "language", "release", "subscriber", "state", "queued_at",
        "claimed_at", "sent_at", "attempts", "message_id", "error",
    ]  # fmt: skip
    readonly_fields = fields


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("open")), ("no", _("resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(outcome="")
        if self.value() == "no":
            return queryset.exclude(outcome="")
        return queryset


class ObjectionForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["outcome", "resolution_note"]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == ObjectionOutcome.OTHER
            and not cleaned.get("resolution_note", "").strip()
        ):
            self.add_error("resolution_note", _("Say how it was resolved."))
        return cleaned


@admin.register(Objection)
class ObjectionAdmin(ModelAdmin):
    """Objections arrive through the public form; the legal team records how each was
    resolved (who and when are recorded with it). Nothing else can be changed."""

    form = ObjectionForm
    list_display = ["submitted_at", "reference", "company", "change", "open", "outcome"]
    list_filter = [OpenFilter, "outcome", "language"]
    search_fields = ["=reference", "company", "email"]
    date_hierarchy = "submitted_at"
    list_select_related = ["change_notice__release"]
    fields = [
        "reference", "change_notice", "company", "contact_name", "email", "reason", "language",
        "submitted_at", "outcome", "resolution_note", "resolved_at", "resolved_by",
    ]  # fmt: skip
    readonly_fields = [f for f in fields if f not in ("outcome", "resolution_note")]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("change objected to"), ordering="change_notice__processor_name")
    def change(self, objection):
        notice = objection.change_notice
        return f"{notice.processor_name} ({notice.release.number})"

    @admin.display(description=_("open"), boolean=True)
    def open(self, objection):
        return objection.is_open

    def save_model(self, request, obj, form, change):
        """Resolving records who and when; clearing the resolution reopens it."""
        if obj.outcome and (not obj.resolved_at or "outcome" in form.changed_data):
            obj.resolved_at, obj.resolved_by = timezone.now(), request.user
        elif not obj.outcome:
            obj.resolved_at = obj.resolved_by = None
        super().save_model(request, obj, form, change)
