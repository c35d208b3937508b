"""Subscribers to e-mail notices and the log of e-mails sent, in the admin.

Subscribers come only through the public form and its confirmation (double opt-in): nobody
adds or edits one here. Removing a subscriber erases the address (someone asked to be
forgotten, or it bounces): unlike the register's rows it is not kept for recovery, and the
admin's log records who removed it. The log of deliveries is read-only and keeps the address
each e-mail went to: it shows that customers were told.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from compliance.admin_base import ReadOnlyAdmin
from compliance.models import Delivery, DeliveryState, Subscriber


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
