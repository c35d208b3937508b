"""Which sub-processors are engaged on a given date, and which changes are intended: the one
place every output (public page, Annex IV, JSON, feed) asks (Art. 28(2) GDPR; Clause 7.7(a) of
Decision (EU) 2021/915).

A processor's life follows from its row in the release's snapshot and the change notices of
the releases up to it:

    planned  : in the register, not announced (no notice yet): in no public output
    announced: an addition was notified; not engaged before the notice's date
    engaged  : from the addition's date (or on the agreed list of the first release)
    leaving  : a removal was notified; still engaged until the day before its date
    retired  : from the removal's date

Notices are kept as plain Change values (from ChangeNotice rows, or unsaved ones for the
draft), so the computation itself needs no database.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.text import slugify

from compliance.models import ChangeKind, ChangeNotice, ProcessorStatus
from compliance.sanitize import remove_controls

PLANNED, ANNOUNCED, ENGAGED, LEAVING, RETIRED = (
    "planned",
    "announced",
    "engaged",
    "leaving",
    "retired",
)


@dataclass(frozen=True)
class Change:
    """An intended change, as notified: who, added or removed, when notified, from when."""

    kind: str
    processor: str
    notified_on: datetime.date
    takes_effect_on: datetime.date
    release: int | None
    description: dict = field(default_factory=dict, compare=False, hash=False)
    replaces: tuple = ()

    @property
    def objections_until(self):
        """The controller may object until the day before the change takes effect."""
        return self.takes_effect_on - datetime.timedelta(days=1)

    @property
    def anchor(self):
        """The id of this change on the public page (and the feed's links to it)."""
        return f"change-{self.release or 'draft'}-{self.kind}-{_slug(self.processor)}"


def _slug(text):
    return slugify(text) or "processor"


def from_notice(notice, replaces=()):
    # Names as the public view of a snapshot has them (a control character stored before the
    # rule is cleaned there too), so that the two match.
    return Change(
        kind=notice.kind,
        processor=remove_controls(notice.processor_name),
        notified_on=notice.notified_on,
        takes_effect_on=notice.takes_effect_on,
        release=notice.release.number if notice.release_id else None,
        description=notice.description,
        replaces=tuple(replaces),
    )


def as_changes(notices):
    """Changes from ChangeNotice objects (saved or not); an addition in the same release as
    removals replaces them."""
    notices = list(notices)
    removed_by_release = {}
    for notice in notices:
        if notice.kind == ChangeKind.REMOVED:
            key = notice.release.number if notice.release_id else None
            removed_by_release.setdefault(key, []).append(remove_controls(notice.processor_name))
    changes = []
    for notice in notices:
        key = notice.release.number if notice.release_id else None
        replaces = removed_by_release.get(key, ()) if notice.kind == ChangeKind.ADDED else ()
        changes.append(from_notice(notice, sorted(replaces)))
    return sorted(changes, key=lambda c: (c.takes_effect_on, c.kind, c.processor))


def changes_up_to(release):
    """The changes notified by `release` and every release before it (one query)."""
    if release is None:
        return []
    notices = ChangeNotice.objects.filter(release__number__lte=release.number).select_related(
        "release"
    )
    return as_changes(notices)


def draft_changes(snapshot, today=None):
    """The changes so far and those publishing `snapshot` (the draft) would notify today: what
    the staff preview and the draft documents show."""
    from django.utils import timezone

    from compliance.models import Release
    from compliance.releases import (  # releases reads the health report
        agreed_notice_days,
        change_notices,
    )

    latest = Release.objects.order_by("-number").first()
    today = today or timezone.localdate()
    unsaved = change_notices(
        latest.snapshot if latest else None,
        snapshot,
        notified_on=today,
        effective_date=today,
        notice_days=agreed_notice_days(),
    )
    return changes_up_to(latest) + as_changes(unsaved)


def state_on(row, changes, date):
    """The state of processor `row` (a snapshot row) on `date`."""
    name = remove_controls(row["name"])
    own = [c for c in changes if c.processor == name and c.notified_on <= date]
    added = [c for c in own if c.kind == ChangeKind.ADDED]
    removed = [c for c in own if c.kind == ChangeKind.REMOVED]
    if removed:
        removal = max(removed, key=lambda c: c.notified_on)
        if not added or max(added, key=lambda c: c.notified_on).notified_on <= removal.notified_on:
            return LEAVING if date < removal.takes_effect_on else RETIRED
    if added:
        addition = max(added, key=lambda c: c.notified_on)
        return ANNOUNCED if date < addition.takes_effect_on else ENGAGED
    # No notice: on the agreed list of the first release, or not announced yet.
    if row["status"] == ProcessorStatus.ACTIVE:
        return ENGAGED
    if row["status"] == ProcessorStatus.RETIRED:
        return RETIRED
    return PLANNED


@dataclass
class Listing:
    """What an output says about sub-processors on `accurate_on`."""

    accurate_on: datetime.date
    # name -> state, for the processors engaged on the date (ENGAGED or LEAVING)
    engaged: dict
    # name -> last day of processing, for those leaving
    last_days: dict
    # the changes notified by then that take effect after it
    intended: list


def listing(snapshot, changes, date):
    """The sub-processors of `snapshot` engaged on `date`, and the changes intended then."""
    engaged, last_days = {}, {}
    removals = {c.processor: c for c in changes if c.kind == ChangeKind.REMOVED}
    # Each processor's own changes, gathered once (not every change per processor).
    by_processor = {}
    for change in changes:
        by_processor.setdefault(change.processor, []).append(change)
    for row in (snapshot or {}).get("processors", []):
        name = remove_controls(row["name"])
        state = state_on(row, by_processor.get(name, []), date)
        if state in (ENGAGED, LEAVING):
            engaged[name] = state
            if state == LEAVING:
                last_days[name] = removals[name].takes_effect_on - datetime.timedelta(days=1)
    intended = [c for c in changes if c.notified_on <= date < c.takes_effect_on]
    return Listing(accurate_on=date, engaged=engaged, last_days=last_days, intended=intended)


def restricted(snapshot, current):
    """A copy of `snapshot` whose processors are those engaged in `current` (a Listing), each
    with its state and, when leaving, its last day (for the renderers)."""
    if snapshot is None:
        return None
    rows = []
    for row in snapshot.get("processors", []):
        name = remove_controls(row["name"])
        if name in current.engaged:
            last_day = current.last_days.get(name)
            rows.append(
                {
                    **row,
                    "lifecycle": current.engaged[name],
                    "last_day": last_day.isoformat() if last_day else "",
                }
            )
    # The same kind as given: a public view stays known to be clean (the values added here are
    # codes and dates, not text from the register).
    return type(snapshot)({**snapshot, "processors": rows})


def objection_contact(snapshot):
    """Where a customer sends an objection: the published privacy contact's e-mail, else the
    DPO's, else '' (the health report flags a register without one)."""
    contacts = (snapshot or {}).get("contacts", [])
    for role in ("privacy_contact", "dpo"):
        for contact in contacts:
            # The public view keeps published contacts only, without the flag.
            published = contact.get("published", True)
            if contact.get("role") == role and published and contact.get("email"):
                return contact["email"]
    return ""


def presented(changes, language, default="en"):
    """The intended changes as an output prints them, in `language`."""
    return [
        {
            "anchor": change.anchor,
            "kind": change.kind,
            "processor": remove_controls(change.processor),
            "text": remove_controls(
                change.description.get(language) or change.description.get(default, "")
            ),
            "notified_on": change.notified_on,
            "takes_effect_on": change.takes_effect_on,
            # Only an addition (or replacement) can be objected to (Art. 28(2)).
            "objections_until": change.objections_until
            if change.kind == ChangeKind.ADDED
            else None,
            "replaces": [remove_controls(name) for name in change.replaces],
        }
        for change in changes
    ]


def as_json(current):
    """The listing for the release JSON: stable codes and ISO dates."""
    return {
        "accurate_on": current.accurate_on.isoformat(),
        "engaged": [
            {
                "name": name,
                "state": state,
                "last_day": current.last_days[name].isoformat()
                if name in current.last_days
                else None,
            }
            for name, state in sorted(current.engaged.items())
        ],
        "intended_changes": [
            {
                "processor": change.processor,
                "change": change.kind,
                "replaces": list(change.replaces),
                "notified_on": change.notified_on.isoformat(),
                "takes_effect_on": change.takes_effect_on.isoformat(),
                "objections_until": change.objections_until.isoformat()
                if change.kind == ChangeKind.ADDED
                else None,
                "release": change.release,
            }
            for change in current.intended
        ],
    }
