"""Customers' objections to an intended sub-processor (Art. 28(2) GDPR; Clause 7.7(a) of
Decision (EU) 2021/915): the public form's objections, open only during the change's notice
period, each with a receipt; the legal team records how each was resolved (the admin).

A change is named in addresses by its anchor on the public page (subprocessors.Change.anchor,
e.g. change-4-added-mailer-gmbh): stable, public, and no database id.
"""

import re
import secrets

from django.db import transaction
from django.utils import timezone

from compliance import subprocessors, subscriptions
from compliance.consent_log import network_of
from compliance.models import ChangeKind, ChangeNotice, Delivery, DeliveryKind, Objection

ANCHOR = re.compile(r"change-(?P<release>\d{1,9})-added-[a-z0-9-]{1,250}")
# Receipt references: no 0/O or 1/I to misread on the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def change_for(anchor):
    """The addition the anchor names, or None."""
    match = ANCHOR.fullmatch(anchor or "")
    if match is None:
        return None
    notices = ChangeNotice.objects.filter(
        release__number=int(match["release"]), kind=ChangeKind.ADDED
    ).select_related("release")
    return next((n for n in notices if subprocessors.from_notice(n).anchor == anchor), None)


def is_open(notice, today=None):
    """Objections are taken from the day the change is notified until the day before it takes
    effect."""
    today = today or timezone.localdate()
    return notice.notified_on <= today <= notice.objection_deadline


def new_reference():
    return "OBJ-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def submit(notice, *, company, contact_name, email, reason, language, address):
    """Keep an objection and queue its receipt; returns the Objection."""
    with transaction.atomic():
        objection = Objection.objects.create(
            change_notice=notice,
            reference=new_reference(),
            company=company,
            contact_name=contact_name,
            email=email,
            reason=reason,
            language=language,
            ip_prefix=network_of(address),
        )
        Delivery.objects.create(
            kind=DeliveryKind.RECEIPT, objection=objection, email=email, language=language
        )
        subscriptions.queue_sending()
    return objection


def open_objections():
    return Objection.objects.filter(outcome="")
