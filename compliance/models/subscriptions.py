"""The public's write side for sub-processor changes (Art. 28(2) GDPR): e-mail subscribers
with double opt-in, the log of every e-mail sent to them, and customers' objections.

Never part of a snapshot; compliance/subscriptions.py writes these rows.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import Release


class SubscriberState(models.TextChoices):
    PENDING = "pending", _("waiting for confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    UNSUBSCRIBED = "unsubscribed", _("unsubscribed")


class Subscriber(models.Model):
    """An address told of sub-processor changes once its owner confirmed it (double opt-in)."""

    email = models.EmailField(_("e-mail address"), max_length=254)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    state = models.CharField(
        _("state"), max_length=12, choices=SubscriberState.choices, default=SubscriberState.PENDING
    )
    subscribed_at = models.DateTimeField(_("asked on"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed on"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed on"), null=True, blank=True)
    # Who asked, as far as we keep it: the network (last part of the address removed).
    ip_prefix = models.CharField(_("network"), max_length=50, blank=True)
    # Where the links in this subscriber's e-mails lead (the site they subscribed on), unless
    # PUBLIC_BASE_URL says otherwise.
    base_url = models.CharField(_("site"), max_length=200)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["-subscribed_at"]
        # Subscribers come through the public form only; the admin reads and removes them.
        default_permissions = ("view", "delete")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_unique_email"),
        ]

    def __str__(self):
        return self.email


class DeliveryKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("confirmation request")
    NOTICE = "notice", _("change notice")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    # Refused by the mail server for this address (5xx).
    BOUNCED = "bounced", _("bounced")
    # Given up after repeated temporary failures.
    FAILED = "failed", _("failed")
    # Not sent: the subscriber was removed or unsubscribed before it went.
    CANCELLED = "cancelled", _("not sent (unsubscribed)")


class Delivery(models.Model):
    """One e-mail to one address: who got what, when, or why not. A release's notices get one
    row per confirmed subscriber when it is published; sending claims a row (queued ->
    sending), sends, and marks it sent, so a crash neither loses nor doubles an e-mail."""

    kind = models.CharField(_("e-mail"), max_length=12, choices=DeliveryKind.choices)
    subscriber = models.ForeignKey(
        Subscriber,
        verbose_name=_("subscriber"),
        related_name="deliveries",
        null=True,
        on_delete=models.SET_NULL,
    )
    # The address as it was when the e-mail was made: the log outlives a removed subscriber
    # (it shows that customers were told).
    email = models.EmailField(_("e-mail address"), max_length=254)
    language = models.CharField(_("language"), max_length=8)
    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        related_name="deliveries",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    queued_at = models.DateTimeField(_("queued on"), default=timezone.now)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        ordering = ["-queued_at"]
        default_permissions = ("view",)
        constraints = [
            # A release's notices go to an address once.
            models.UniqueConstraint(
                fields=["release", "subscriber"],
                condition=models.Q(kind="notice"),
                name="delivery_one_notice_per_release",
            ),
        ]
        indexes = [models.Index(fields=["state", "queued_at"], name="delivery_state_queued")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.email}"
