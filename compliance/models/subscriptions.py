"""The public's write side for sub-processor changes (Art. 28(2) GDPR): e-mail subscribers
with double opt-in, the log of every e-mail sent to them, and customers' objections.

Never part of a snapshot; compliance/subscriptions.py writes these rows.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import ChangeNotice, Release


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


class ObjectionOutcome(models.TextChoices):
    WITHDRAWN = "withdrawn", _("withdrawn by the customer")
    DROPPED = "dropped", _("the change was dropped")
    TERMINATED = "terminated", _("the customer ended the contract")
    OTHER = "other", _("resolved otherwise (see the note)")


class Objection(models.Model):
    """A customer's objection to an intended sub-processor (Art. 28(2) GDPR; Clause 7.7(a)),
    sent through the public form during the notice period. Open until the legal team records
    how it was resolved."""

    change_notice = models.ForeignKey(
        ChangeNotice,
        verbose_name=_("change objected to"),
        related_name="objections",
        on_delete=models.PROTECT,
    )
    # What the objector is given as a receipt, to refer to it.
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    company = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=200)
    email = models.EmailField(_("e-mail address"), max_length=254)
    reason = models.TextField(_("reason"), max_length=5000)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    submitted_at = models.DateTimeField(_("received on"), default=timezone.now)
    ip_prefix = models.CharField(_("network"), max_length=50, blank=True)
    outcome = models.CharField(
        _("resolution"),
        max_length=12,
        choices=ObjectionOutcome.choices,
        blank=True,
        help_text=_("Empty while the objection is open."),
    )
    resolution_note = models.TextField(_("how it was resolved"), blank=True, max_length=5000)
    resolved_at = models.DateTimeField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-submitted_at"]
        # Objections come through the public form only; the legal team records resolutions.
        default_permissions = ("view", "change")
        indexes = [models.Index(fields=["outcome", "submitted_at"], name="objection_open")]

    def __str__(self):
        return f"{self.reference}: {self.company}"

    @property
    def is_open(self):
        return not self.outcome


class DeliveryKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("confirmation request")
    NOTICE = "notice", _("change notice")
    RECEIPT = "receipt", _("receipt of an objection")


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
    objection = models.ForeignKey(
        Objection,
        verbose_name=_("objection"),
        related_name="deliveries",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
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
