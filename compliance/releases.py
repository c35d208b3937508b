"""Publishing: freeze the register as release N, with its sub-processor change notices.

The write side of the register -> snapshot -> release flow. Publishing is refused, with every
reason listed, while the health report has blocking problems, when nothing changed since the
last release, or when the request itself is wrong (no note, an effective date before the last
release's, a user without the publish permission).
"""

import datetime
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from compliance.diff import diff_snapshots
from compliance.health import build_report, translations_to_review
from compliance.models import (
    DEFAULT_NOTICE_DAYS,
    ChangeKind,
    ChangeNotice,
    Organisation,
    ProcessorStatus,
    Redaction,
    Release,
    ReleaseDocument,
)
from compliance.sanitize import first_control
from compliance.snapshot import SCHEMA_VERSION, build_snapshot, content_hash

logger = logging.getLogger(__name__)

PUBLISH_PERMISSION = "compliance.publish_release"
# Any constant: the key of PostgreSQL's transaction-level lock that serialises publishers.
PUBLISH_LOCK_KEY = 2_802_028


class TamperedRelease(Exception):
    """A release's stored content no longer matches its content hash: changed outside the
    application. It is refused everywhere rather than shown."""


def verified_snapshot(release):
    """`release`'s snapshot, after checking it against the content hash recorded with it."""
    if content_hash(release.snapshot) != release.content_hash:
        logger.critical(
            "Release %s: its stored snapshot does not match its content hash %s. It was changed "
            "outside the application; it is not served or rendered.",
            release.number,
            release.content_hash,
        )
        raise TamperedRelease(
            f"Release {release.number} was changed outside the application: its content no "
            "longer matches its content hash."
        )
    return release.snapshot


# Sub-processors that process data now or are about to: what customers authorise.
# A planned processor is not announced yet: publishing gives notice once it is made active.
ENGAGED_STATUSES = {ProcessorStatus.ACTIVE}


class PublishRefused(Exception):
    def __init__(self, reasons):
        self.reasons = [str(reason) for reason in reasons]
        super().__init__(" ".join(self.reasons))


def latest_release():
    return Release.objects.order_by("-number").first()


def draft_diff():
    """What publishing now would change: the latest release against the live register."""
    latest = latest_release()
    return diff_snapshots(latest.snapshot if latest else None, build_snapshot())


def release_diff(release, against=None):
    """Diff of `release` against `against` (a release), by default the release before it."""
    if against is None:
        against = Release.objects.filter(number__lt=release.number).order_by("-number").first()
    return diff_snapshots(against.snapshot if against else None, release.snapshot)


def translation_review_reasons():
    """One line per language with translations to review."""
    names = dict(settings.LANGUAGES)
    return [
        gettext(
            "Translations into %(language)s to review: %(count)d rows (their English text "
            "changed since)"
        )
        % {"language": gettext(names[code]), "count": count}
        for code, count in translations_to_review().items()
    ]


def blocking_reasons():
    reasons = [
        gettext("%(problem)s: %(count)d") % {"problem": check.title, "count": check.count}
        for check in build_report().blocking
    ]
    if settings.TRANSLATION_REVIEW_BLOCKS_PUBLISH:
        reasons += translation_review_reasons()
    return reasons


def _engaged(snapshot):
    if not snapshot:
        return {}
    return {row["name"]: row for row in snapshot["processors"] if row["status"] in ENGAGED_STATUSES}


def _in_every_language(message, **values):
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            text = gettext(message) % values
        # A name ending in an abbreviation ("s.r.o.") ends the sentence too: one full stop.
        texts[code] = text[:-1] if text.endswith("..") else text
    return texts


def change_notices(previous, current, *, notified_on, effective_date, notice_days):
    """Unsaved notices for the sub-processors that `current` adds to or drops from `previous`.

    The first release sets the agreed list (Annex IV) and needs no notice. An addition takes
    effect after the notice period (Art. 28(2): time to object), or on the release's effective
    date or the processor's own start date if later. A removal needs no time to object: it
    takes effect the day after the processor's last day ('active until'), and not before the
    release's effective date.
    """
    if previous is None:
        return []
    before, after = _engaged(previous), _engaged(current)
    added, removed = sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())
    after_notice = max(effective_date, notified_on + datetime.timedelta(days=notice_days))

    def starts(name):
        own = after[name].get("active_from")
        return max(after_notice, datetime.date.fromisoformat(own)) if own else after_notice

    def stops(name):
        row = next((r for r in current["processors"] if r["name"] == name), before[name])
        last_day = row.get("active_until")
        day_after = (
            datetime.date.fromisoformat(last_day) + datetime.timedelta(days=1) if last_day else None
        )
        return max(effective_date, day_after) if day_after else effective_date

    replaced = ", ".join(removed)
    notices = []
    for name in added:
        date = starts(name).isoformat()
        if replaced:
            description = _in_every_language(
                gettext_noop(
                    "%(processor)s will process personal data as a sub-processor from "
                    "%(date)s, replacing %(replaced)s."
                ),
                processor=name,
                date=date,
                replaced=replaced,
            )
        else:
            description = _in_every_language(
                gettext_noop(
                    "%(processor)s will process personal data as a sub-processor from %(date)s."
                ),
                processor=name,
                date=date,
            )
        notices.append((ChangeKind.ADDED, name, description, after[name]))
    for name in removed:
        date = stops(name).isoformat()
        description = _in_every_language(
            gettext_noop(
                "%(processor)s will no longer process personal data as a sub-processor from "
                "%(date)s."
            ),
            processor=name,
            date=date,
        )
        notices.append((ChangeKind.REMOVED, name, description, before[name]))
    return [
        ChangeNotice(
            kind=kind,
            processor_name=name,
            description=description,
            processor=details,
            notified_on=notified_on,
            notice_period_days=notice_days,
            takes_effect_on=starts(name) if kind == ChangeKind.ADDED else stops(name),
        )
        for kind, name, description, details in notices
    ]


def agreed_notice_days():
    """The notice period for sub-processor changes the organisation agreed to (Clause 7.7(a))."""
    organisation = Organisation.objects.only("subprocessor_notice_days").first()
    return organisation.subprocessor_notice_days if organisation else DEFAULT_NOTICE_DAYS


def publish(*, note, user=None, effective_date=None, notice_days=None):
    """Make and return the next release, or raise PublishRefused with every reason."""
    note = (note or "").strip()
    today = timezone.localdate()
    effective_date = effective_date or today
    agreed_days = agreed_notice_days()
    notice_days = agreed_days if notice_days is None else notice_days

    reasons = []
    if user is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise PublishRefused(
            [gettext("%(user)s may not publish releases.") % {"user": user.get_username()}]
        )
    if not note:
        reasons.append(gettext("A release needs a note saying what it is."))
    elif first_control(note):
        reasons.append(gettext("The note contains an invisible control character: remove it."))
    if notice_days < agreed_days:
        # The annexes and the sub-processor page promise the agreed period: a release may
        # give more notice, never less.
        reasons.append(
            gettext(
                "The notice period cannot be shorter than the %(days)s days agreed in the "
                "organisation's settings (Clause 7.7(a))."
            )
            % {"days": agreed_days}
        )

    with transaction.atomic():
        # One publisher at a time: the second waits here and then finds nothing left to
        # publish. On PostgreSQL a transaction-level advisory lock (a row lock cannot guard the
        # first release); SQLite takes its write lock when the transaction begins
        # (transaction_mode IMMEDIATE in settings). The unique release number is the final guard.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PUBLISH_LOCK_KEY])
        latest = Release.objects.order_by("-number").first()
        reasons += blocking_reasons()
        snapshot = build_snapshot()
        digest = content_hash(snapshot)
        if latest is not None:
            if latest.content_hash == digest:
                reasons.append(
                    gettext("Nothing changed since release %(number)d.") % {"number": latest.number}
                )
            if effective_date < latest.effective_date:
                reasons.append(
                    gettext(
                        "The effective date %(date)s is before that of release %(number)d "
                        "(%(previous)s)."
                    )
                    % {
                        "date": effective_date.isoformat(),
                        "number": latest.number,
                        "previous": latest.effective_date.isoformat(),
                    }
                )
        if reasons:
            raise PublishRefused(reasons)

        try:
            with transaction.atomic():
                release = Release.objects.create(
                    number=latest.number + 1 if latest else 1,
                    published_at=timezone.now(),
                    published_by=user,
                    effective_date=effective_date,
                    note=note,
                    schema_version=SCHEMA_VERSION,
                    snapshot=snapshot,
                    content_hash=digest,
                )
        except IntegrityError:
            raise PublishRefused(
                [gettext("Another release was published at the same moment: try again.")]
            ) from None
        notices = change_notices(
            latest.snapshot if latest else None,
            snapshot,
            notified_on=today,
            effective_date=effective_date,
            notice_days=notice_days,
        )
        for notice in notices:
            notice.release = release
        ChangeNotice.objects.bulk_create(notices)
        # Every document in every language, rendered in the background. Queued in the same
        # transaction: with the database queue, a release never exists without its tasks.
        from compliance import tasks  # tasks renders documents, which read releases

        tasks.queue_release_documents(release)
        # Subscribers are told of the changes by e-mail, queued in the same transaction.
        from compliance import subscriptions

        subscriptions.queue_release_notices(release)
    return release


# --- Redaction ---------------------------------------------------------------------------------

REDACTED = "[redacted]"
# Shorter values would match inside unrelated words ("Jo" in "Jobs").
MIN_REDACTED_LENGTH = 3


class RedactionRefused(Exception):
    def __init__(self, reasons):
        self.reasons = [str(reason) for reason in reasons]
        super().__init__(" ".join(self.reasons))


def _replaced(tree, replacements, places, path):
    """`tree` with every occurrence of each value replaced; `places` records where."""
    if isinstance(tree, str):
        for value, replacement in replacements.items():
            if value in tree:
                places[value].append(path or "(text)")
                tree = tree.replace(value, replacement)
        return tree
    if isinstance(tree, dict):
        return {
            key: _replaced(item, replacements, places, f"{path}.{key}" if path else key)
            for key, item in tree.items()
        }
    if isinstance(tree, list):
        return [
            _replaced(item, replacements, places, f"{path}[{n}]") for n, item in enumerate(tree)
        ]
    return tree


def occurs_in(release, values):
    """Whether any of `values` occurs in `release` (snapshot, note or change notices)."""
    places = {value: [] for value in values}
    contents = [release.snapshot, release.note]
    for notice in release.change_notices.all():
        contents += [notice.processor_name, notice.description, notice.processor]
    _replaced(contents, {value: value for value in values}, places, "")
    return any(places.values())


def redact(release, replacements, *, reason, user=None):
    """Replace named values (personal data to be erased) in `release`: its snapshot, note,
    change notices and documents, which are deleted to be rendered again. The release keeps
    its number; a Redaction records who, when, why, what (as SHA-256 and places) and the
    content hash before and after. Returns the Redaction or raises RedactionRefused."""
    reason = (reason or "").strip()
    replacements = {value: (replacement or REDACTED) for value, replacement in replacements}
    reasons = []
    if user is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise RedactionRefused(
            [gettext("%(user)s may not redact releases.") % {"user": user.get_username()}]
        )
    if not reason:
        reasons.append(gettext("A redaction needs a reason (e.g. an erasure request)."))
    if not replacements:
        reasons.append(gettext("Name at least one value to redact."))
    for value, replacement in replacements.items():
        if len(value.strip()) < MIN_REDACTED_LENGTH:
            reasons.append(
                gettext("%(value)r is too short to redact safely (at least %(min)d characters).")
                % {"value": value, "min": MIN_REDACTED_LENGTH}
            )
        if value in replacement:
            reasons.append(gettext("A replacement cannot contain the value it replaces."))
        if first_control(value) or first_control(replacement):
            reasons.append(
                gettext("A value or replacement contains an invisible control character.")
            )
    if first_control(reason):
        reasons.append(gettext("The reason contains an invisible control character."))
    if reasons:
        raise RedactionRefused(reasons)

    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        verified_snapshot(release)
        notices = list(ChangeNotice.objects.filter(release=release).order_by("pk"))
        places = {value: [] for value in replacements}
        snapshot = _replaced(release.snapshot, replacements, places, "snapshot")
        note = _replaced(release.note, replacements, places, "note")
        changed_notices = [
            (
                notice,
                _replaced(notice.processor_name, replacements, places, f"notice[{n}].processor"),
                _replaced(notice.description, replacements, places, f"notice[{n}].description"),
                _replaced(notice.processor, replacements, places, f"notice[{n}].details"),
            )
            for n, notice in enumerate(notices)
        ]
        missing = [value for value, found in places.items() if not found]
        if missing:
            raise RedactionRefused(
                [
                    gettext("%(value)r does not occur in release %(number)d.")
                    % {"value": value, "number": release.number}
                    for value in missing
                ]
            )
        digest = content_hash(snapshot)
        # The record first: the database lets the release change only to a hash it names.
        redaction = Redaction.objects.create(
            release=release,
            redacted_at=timezone.now(),
            redacted_by=user,
            reason=reason,
            replacements=[
                {
                    "value_sha256": hashlib.sha256(value.encode("utf-8")).hexdigest(),
                    "replacement": replacement,
                    "occurrences": len(places[value]),
                    "places": places[value],
                }
                for value, replacement in replacements.items()
            ],
            original_content_hash=release.content_hash,
            content_hash=digest,
        )
        # Past the application's immutability guards on purpose (the models refuse update()).
        models.QuerySet.update(
            Release.objects.filter(pk=release.pk), snapshot=snapshot, note=note, content_hash=digest
        )
        for notice, name, description, details in changed_notices:
            models.QuerySet.update(
                ChangeNotice.objects.filter(pk=notice.pk),
                processor_name=name,
                description=description,
                processor=details,
            )
        ReleaseDocument.objects.filter(release=release).delete()
        # Rendered again from the redacted snapshot, in the background.
        release.refresh_from_db()
        from compliance import tasks  # tasks renders documents, which read releases

        tasks.queue_release_documents(release)
    return redaction
