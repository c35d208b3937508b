"""E-mail notices of sub-processor changes (Art. 28(2) GDPR): subscriptions with double
opt-in, and the e-mails themselves.

- subscribe(): a public form's address becomes a pending Subscriber and a confirmation e-mail
  is queued; the answer is the same whatever the address's state (nobody learns who
  subscribed), and a pending address is sent at most one confirmation per CONFIRM_RESEND.
- The confirmation link is signed and expires (SUBSCRIPTION_CONFIRM_HOURS); the unsubscribe
  link is signed and never expires. Both are bound to the address, not only to the row.
- publish() (releases.py) calls queue_release_notices(): one Delivery per confirmed subscriber,
  made in the publishing transaction, and a task that sends them.
- send_queued() claims one delivery at a time (queued -> sending), sends it and marks it sent.
  A delivery another worker left "sending" for EMAIL_SENDING_LEASE_SECONDS was cut off by a
  crash and is sent again with the same Message-ID (the only window in which an e-mail can be
  doubled is between the mail server's "250 OK" and our update of the row). A server that
  refuses an address (5xx) marks the delivery bounced; one that is unreachable or answers 4xx
  stops the run, the delivery stays queued, and the worker's heartbeat queues the run again.
"""

import datetime
import hashlib
import logging
import smtplib

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from compliance.consent_log import network_of
from compliance.models import (
    ChangeKind,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Release,
    Subscriber,
    SubscriberState,
)
from compliance.sanitize import remove_controls

logger = logging.getLogger(__name__)

CONFIRM_SALT = "compliance.subscriptions.confirm"
UNSUBSCRIBE_SALT = "compliance.subscriptions.unsubscribe"
# A pending address is sent a new confirmation only this long after the last one: the form
# cannot be used to flood someone's mailbox.
CONFIRM_RESEND = datetime.timedelta(minutes=15)
# A delivery is given up (failed) after this many attempts.
MAX_ATTEMPTS = 8


class InvalidLink(Exception):
    """A confirmation or unsubscribe link that is not ours, is damaged, or has expired."""


class SendingInterrupted(Exception):
    """The mail server is unreachable or asked us to come back later: the run stops; what is
    left stays queued."""


# --- Subscribing -------------------------------------------------------------------------------


def subscribe(email, language, *, address, base_url):
    """Ask `email` to confirm a subscription in `language` (the form has validated both)."""
    email = email.strip()
    now = timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        if subscriber is not None and subscriber.state == SubscriberState.CONFIRMED:
            return  # already told of every change; nothing to send
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(
                        email=email,
                        language=language,
                        ip_prefix=network_of(address),
                        base_url=base_url,
                    )
            except IntegrityError:  # the same address at the same moment
                return
        else:
            recent = subscriber.deliveries.filter(
                kind=DeliveryKind.CONFIRMATION, queued_at__gte=now - CONFIRM_RESEND
            ).exists()
            if recent:
                return
            subscriber.state = SubscriberState.PENDING
            subscriber.language = language
            subscriber.subscribed_at = now
            subscriber.ip_prefix = network_of(address)
            subscriber.base_url = base_url
            subscriber.save()
        Delivery.objects.create(
            kind=DeliveryKind.CONFIRMATION,
            subscriber=subscriber,
            email=subscriber.email,
            language=language,
        )
        queue_sending()


def _address_digest(email):
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def confirm_token(subscriber):
    return signing.dumps([subscriber.pk, _address_digest(subscriber.email)], salt=CONFIRM_SALT)


def unsubscribe_token(subscriber):
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(
        [subscriber.pk, _address_digest(subscriber.email)]
    )


def _subscriber(payload):
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        raise InvalidLink
    subscriber = Subscriber.objects.filter(pk=payload[0]).first()
    if subscriber is None or _address_digest(subscriber.email) != payload[1]:
        raise InvalidLink
    return subscriber


def subscriber_to_confirm(token):
    try:
        payload = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.SUBSCRIPTION_CONFIRM_HOURS * 3600
        )
    except signing.BadSignature:
        raise InvalidLink from None
    return _subscriber(payload)


def subscriber_to_unsubscribe(token):
    try:
        payload = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        raise InvalidLink from None
    return _subscriber(payload)


def confirm(subscriber):
    """The owner of the address said yes: from now on, notices go to it. An address that
    unsubscribed since the link was sent stays unsubscribed (returns False)."""
    updated = Subscriber.objects.filter(
        pk=subscriber.pk, state__in=[SubscriberState.PENDING, SubscriberState.CONFIRMED]
    ).update(
        state=SubscriberState.CONFIRMED,
        confirmed_at=subscriber.confirmed_at or timezone.now(),
    )
    return bool(updated)


def unsubscribe(subscriber):
    """No more e-mails to this address (nothing queued for it is sent either)."""
    Subscriber.objects.filter(pk=subscriber.pk).exclude(state=SubscriberState.UNSUBSCRIBED).update(
        state=SubscriberState.UNSUBSCRIBED, unsubscribed_at=timezone.now()
    )


# --- Queueing ----------------------------------------------------------------------------------


def queue_sending():
    """A task that sends what is queued (in the caller's transaction, with the database queue:
    the deliveries never exist without it)."""
    from compliance import tasks  # tasks imports this module

    tasks.enqueue(tasks.send_emails)


def queue_release_notices(release):
    """One notice e-mail per confirmed subscriber for `release`'s change notices (called by
    publish(), in its transaction). Returns how many were queued."""
    if not release.change_notices.exists():
        return 0
    subscribers = Subscriber.objects.filter(state=SubscriberState.CONFIRMED).values_list(
        "pk", "email", "language"
    )
    deliveries = [
        Delivery(
            kind=DeliveryKind.NOTICE, subscriber_id=pk, email=email, language=language,
            release=release,
        )
        for pk, email, language in subscribers.iterator(chunk_size=2000)
    ]  # fmt: skip
    Delivery.objects.bulk_create(deliveries, batch_size=1000, ignore_conflicts=True)
    if deliveries:
        queue_sending()
    return len(deliveries)


def due():
    """Deliveries waiting to be sent: queued, or cut off mid-send by a crash."""
    stale = timezone.now() - datetime.timedelta(seconds=settings.EMAIL_SENDING_LEASE_SECONDS)
    return Delivery.objects.filter(
        Q(state=DeliveryState.QUEUED) | Q(state=DeliveryState.SENDING, claimed_at__lt=stale)
    )


def _claim_next():
    """The next due delivery, now ours (state "sending"), or None. The claim is one
    conditional UPDATE: two workers never both send the same e-mail."""
    for pk in due().order_by("queued_at", "pk").values_list("pk", flat=True)[:20]:
        claimed = (
            due()
            .filter(pk=pk)
            .update(
                state=DeliveryState.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
            )
        )
        if claimed:
            related = ("subscriber", "release", "objection__change_notice")
            return Delivery.objects.select_related(*related).get(pk=pk)
    return None


def _finish(delivery, state, error=""):
    fields = {"state": state, "error": error[:2000]}
    if state == DeliveryState.SENT:
        fields["sent_at"] = timezone.now()
        fields["message_id"] = message_id(delivery)
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


# --- Sending -----------------------------------------------------------------------------------


def send_queued():
    """Send every due delivery over one connection; returns how many were sent. Raises
    SendingInterrupted when the server cannot take more now."""
    connection = get_connection()
    sent = 0
    try:
        connection.open()
        while (delivery := _claim_next()) is not None:
            if _send(delivery, connection):
                sent += 1
    finally:
        connection.close()
    return sent


def _wanted(delivery):
    """Whether the e-mail is still to be sent: its subscriber is there and in the state it was
    made for."""
    if delivery.kind == DeliveryKind.RECEIPT:
        return True  # an objector is always told that the objection arrived
    subscriber = delivery.subscriber
    if subscriber is None:
        return False
    if delivery.kind == DeliveryKind.CONFIRMATION:
        return subscriber.state == SubscriberState.PENDING
    return subscriber.state == SubscriberState.CONFIRMED


def _send(delivery, connection):
    if not _wanted(delivery):
        _finish(delivery, DeliveryState.CANCELLED)
        return False
    try:
        message = build_message(delivery)
        message.connection = connection
        message.send()
    except smtplib.SMTPRecipientsRefused as refused:
        code, reason = next(iter(refused.recipients.values()), (0, b""))
        return _refused(delivery, connection, code, reason)
    except smtplib.SMTPResponseException as refused:
        return _refused(delivery, connection, refused.smtp_code, refused.smtp_error)
    except (smtplib.SMTPException, OSError) as error:
        _interrupted(delivery, str(error) or type(error).__name__)
    _finish(delivery, DeliveryState.SENT)
    return True


def _refused(delivery, connection, code, reason):
    reason = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    text = f"{code} {reason}".strip()
    if 500 <= code < 600:
        # The server will never take it for this address: a bounce.
        _finish(delivery, DeliveryState.BOUNCED, text)
        # The server reset the transaction; start the next e-mail on a clean connection.
        connection.close()
        connection.open()
        return False
    _interrupted(delivery, text)


def _interrupted(delivery, error):
    state = DeliveryState.FAILED if delivery.attempts >= MAX_ATTEMPTS else DeliveryState.QUEUED
    _finish(delivery, state, error)
    logger.warning("E-mail to %s not sent (%s): %s", delivery.email, state, error)
    raise SendingInterrupted(error)


def message_id(delivery):
    """The same Message-ID every time this delivery is sent (a resend after a crash is
    recognisable as the same e-mail)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("<> ") or "localhost"
    return f"<delivery-{delivery.pk}@{domain}>"


def _base_url(subscriber):
    return settings.PUBLIC_BASE_URL or subscriber.base_url.rstrip("/")


def _organisation(release):
    snapshot = release.snapshot if release else {}
    return remove_controls((snapshot.get("organisation") or {}).get("legal_name", ""))


def build_message(delivery):
    """The e-mail of `delivery`, in its language: plain text (nothing in it is markup)."""
    if delivery.kind == DeliveryKind.RECEIPT:
        return _receipt(delivery)
    subscriber = delivery.subscriber
    base = _base_url(subscriber)
    unsubscribe_url = base + reverse(
        "subscription-unsubscribe",
        kwargs={"language": delivery.language, "token": unsubscribe_token(subscriber)},
    )
    release = Release.objects.filter(pk=delivery.release_id).first() or latest_release()
    organisation = _organisation(release)
    with translation.override(delivery.language):
        context = {
            "organisation": organisation,
            "unsubscribe_url": unsubscribe_url,
            "page_url": f"{base}/{delivery.language}/subprocessors/",
        }
        if delivery.kind == DeliveryKind.CONFIRMATION:
            context["confirm_url"] = base + reverse(
                "subscription-confirm",
                kwargs={"language": delivery.language, "token": confirm_token(subscriber)},
            )
            context["hours"] = settings.SUBSCRIPTION_CONFIRM_HOURS
            subject = gettext("Confirm your subscription to sub-processor changes of %(name)s")
            template = "compliance/email/confirm.txt"
        else:
            context["release"] = release
            context["changes"] = notice_lines(release, delivery.language, base)
            subject = gettext("Sub-processor changes of %(name)s (release %(number)d)")
            template = "compliance/email/notice.txt"
        subject %= {"name": organisation, "number": release.number if release else 0}
        body = render_to_string(template, context)
    return EmailMessage(
        subject=" ".join(subject.split()),  # no line break can reach a header
        body=body,
        to=[delivery.email],
        headers={
            "Message-ID": message_id(delivery),
            # RFC 2369 and RFC 8058: mail programs offer "unsubscribe", which posts at once.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def _receipt(delivery):
    """An objection's receipt. It repeats none of the objector's own words: the form takes any
    address, and the receipt must not carry someone's text to someone else's mailbox."""
    objection = delivery.objection
    notice = objection.change_notice
    with translation.override(delivery.language):
        context = {
            "organisation": _organisation(latest_release()),
            "reference": objection.reference,
            "processor": remove_controls(notice.processor_name),
            "received_on": timezone.localtime(objection.submitted_at),
            "takes_effect_on": notice.takes_effect_on,
        }
        subject = gettext("Objection %(reference)s received") % {"reference": objection.reference}
        body = render_to_string("compliance/email/receipt.txt", context)
    return EmailMessage(
        subject=subject,
        body=body,
        to=[delivery.email],
        headers={"Message-ID": message_id(delivery), "Auto-Submitted": "auto-replied"},
    )


def latest_release():
    return Release.objects.order_by("-number").first()


def notice_lines(release, language, base):
    """The release's changes as the e-mail lists them: what, from when, until when and how to
    object."""
    from compliance import subprocessors

    snapshot = release.snapshot
    contact = subprocessors.objection_contact(snapshot)
    changes = []
    for notice in release.change_notices.all().order_by("kind", "processor_name"):
        change = subprocessors.from_notice(notice)
        addition = notice.kind == ChangeKind.ADDED
        changes.append(
            {
                "kind": notice.get_kind_display(),
                "processor": remove_controls(notice.processor_name),
                "text": remove_controls(
                    notice.description.get(language) or notice.description.get("en", "")
                ),
                "takes_effect_on": notice.takes_effect_on,
                "objections_until": notice.objection_deadline if addition else None,
                "objection_contact": contact,
                "url": f"{base}/{language}/subprocessors/#intended-{change.anchor}",
                "objection_url": f"{base}/{language}/subprocessors/object/{change.anchor}/"
                if addition
                else "",
            }
        )
    return changes
