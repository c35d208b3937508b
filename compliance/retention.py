"""Structured retention of cookies and storage items, and its wording in every language.

A retention is a kind (session, a duration, or persistent until cleared), for a duration a number
and a unit, and an optional note ("after last activity"). The words come from the gettext
catalogues in locale/, so that plural forms are the language's own: "6 miesięcy", "2 lata",
"5 lat" in Polish, "6 měsíců", "2 roky" in Czech.
"""

import re

from django.db import models
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _


class RetentionKind(models.TextChoices):
    SESSION = "session", _("Session")
    DURATION = "duration", _("Fixed duration")
    PERSISTENT = "persistent", _("Persistent until cleared")


class RetentionUnit(models.TextChoices):
    SECONDS = "seconds", _("seconds")
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


# Length of one unit in days, for comparing durations (a month is an average month).
DAYS_PER_UNIT = {
    RetentionUnit.SECONDS: 1 / 86400,
    RetentionUnit.MINUTES: 1 / 1440,
    RetentionUnit.HOURS: 1 / 24,
    RetentionUnit.DAYS: 1,
    RetentionUnit.WEEKS: 7,
    RetentionUnit.MONTHS: 365.25 / 12,
    RetentionUnit.YEARS: 365.25,
}


def duration_text(value, unit):
    """'6 months' in the active language, with the catalogue's plural form for `value`."""
    if unit == RetentionUnit.SECONDS:
        return ngettext("%(count)d second", "%(count)d seconds", value) % {"count": value}
    if unit == RetentionUnit.MINUTES:
        return ngettext("%(count)d minute", "%(count)d minutes", value) % {"count": value}
    if unit == RetentionUnit.HOURS:
        return ngettext("%(count)d hour", "%(count)d hours", value) % {"count": value}
    if unit == RetentionUnit.DAYS:
        return ngettext("%(count)d day", "%(count)d days", value) % {"count": value}
    if unit == RetentionUnit.WEEKS:
        return ngettext("%(count)d week", "%(count)d weeks", value) % {"count": value}
    if unit == RetentionUnit.MONTHS:
        return ngettext("%(count)d month", "%(count)d months", value) % {"count": value}
    if unit == RetentionUnit.YEARS:
        return ngettext("%(count)d year", "%(count)d years", value) % {"count": value}
    raise ValueError(f"Unknown retention unit: {unit!r}")


def format_retention(kind, value=None, unit=None, note="", language=None):
    """The retention as a reader sees it, e.g. '13 months after last activity'.

    Returns "" when no retention is recorded. `note` is already in the wanted language.
    """
    with translation.override(language or translation.get_language()):
        if kind == RetentionKind.SESSION:
            text = gettext("Session")
        elif kind == RetentionKind.PERSISTENT:
            text = gettext("Persistent until cleared by the user or the application")
        elif kind == RetentionKind.DURATION:
            if not value or not unit:
                return ""
            text = duration_text(value, unit)
        else:
            return ""
        if note:
            text = pgettext("retention followed by its note", "%(retention)s %(note)s") % {
                "retention": text,
                "note": note,
            }
        return text


def retention_days(kind, value, unit):
    """Approximate lifetime in days; None when unbounded (persistent) or unknown."""
    if kind == RetentionKind.SESSION:
        return 0
    if kind == RetentionKind.DURATION and value and unit in DAYS_PER_UNIT:
        return value * DAYS_PER_UNIT[unit]
    return None


# --- Retention as words, for spreadsheets ----------------------------------------------------
#
# Imports and exports write a retention as English words that a person reads and types:
# "session", "persistent", "6 months", "13 months after last activity". The words are the
# same in every language of the interface, so files stay stable; the note after the duration
# is the English note (other languages have their own note columns).


class RetentionParseError(ValueError):
    pass


UNIT_WORDS = {
    "second": RetentionUnit.SECONDS,
    "sec": RetentionUnit.SECONDS,
    "minute": RetentionUnit.MINUTES,
    "min": RetentionUnit.MINUTES,
    "hour": RetentionUnit.HOURS,
    "day": RetentionUnit.DAYS,
    "week": RetentionUnit.WEEKS,
    "month": RetentionUnit.MONTHS,
    "year": RetentionUnit.YEARS,
}
UNIT_SINGULAR = {
    RetentionUnit.SECONDS: "second",
    RetentionUnit.MINUTES: "minute",
    RetentionUnit.HOURS: "hour",
    RetentionUnit.DAYS: "day",
    RetentionUnit.WEEKS: "week",
    RetentionUnit.MONTHS: "month",
    RetentionUnit.YEARS: "year",
}
DURATION_WORDS = re.compile(r"^(\d+)\s+([a-z]+?)s?(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)


def retention_words(kind, value=None, unit=None, note=""):
    """The words an export writes: 'session', 'persistent', '6 months', '1 year after ...'."""
    if kind == RetentionKind.SESSION:
        words = "session"
    elif kind == RetentionKind.PERSISTENT:
        words = "persistent"
    elif kind == RetentionKind.DURATION and value and unit in UNIT_SINGULAR:
        words = f"{value} {UNIT_SINGULAR[unit]}{'' if value == 1 else 's'}"
    else:
        return note or ""
    return f"{words} {note}" if note else words


def parse_retention_words(text):
    """(kind, value, unit, note) from retention words; RetentionParseError if not of that form.

    The strict reading for files this product exported or a person typed in its format.
    """
    text = (text or "").strip()
    if not text:
        return "", None, "", ""
    head, _sep, rest = text.partition(" ")
    if head.lower() == "session":
        return RetentionKind.SESSION, None, "", rest.strip()
    if head.lower() == "persistent":
        return RetentionKind.PERSISTENT, None, "", rest.strip()
    match = DURATION_WORDS.match(text)
    if match and match.group(2).lower() in UNIT_WORDS and int(match.group(1)) > 0:
        unit = UNIT_WORDS[match.group(2).lower()]
        return RetentionKind.DURATION, int(match.group(1)), unit, (match.group(3) or "").strip()
    raise RetentionParseError(
        f"{text!r} is not a retention: write 'session', 'persistent' or a number and a unit "
        "(seconds, minutes, hours, days, weeks, months, years), e.g. '6 months' or "
        "'13 months after last activity'."
    )


# Free-text retentions as found in the Open Cookie Database, read as well as they can be.
SESSION_TEXTS = {
    "session",
    "sessions",
    "session cookie",
    "end of session (browser)",
    "browser session",
    "seesion",
}
PERSISTENT_TEXTS = {"persistent", "forever", "permanent", "unlimited", "no expiration"}
LOOSE_DURATION = re.compile(
    r"^(\d+)\s*(seconds?|secs?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\b\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)


def parse_retention_text(text):
    """Best reading of a free-text retention: (kind, value, unit, note, needs_review).

    What cannot be read becomes the note, with the kind left empty and needs_review set, so a
    person decides; a duration followed by other words keeps them as the note, also for review.
    """
    text = " ".join((text or "").split())
    lowered = text.lower()
    if lowered in SESSION_TEXTS:
        return RetentionKind.SESSION, None, "", "", False
    if lowered in PERSISTENT_TEXTS:
        return RetentionKind.PERSISTENT, None, "", "", False
    match = LOOSE_DURATION.match(text)
    if match and int(match.group(1)) > 0:
        word = match.group(2).lower().rstrip("s") or "s"
        unit = UNIT_WORDS.get(word) or UNIT_WORDS.get(word[:3])
        if unit:
            note = match.group(3).strip()
            # Only the usual note is taken on trust; any other trailing words need a person.
            review = bool(note) and note.lower() != "after last activity"
            return RetentionKind.DURATION, int(match.group(1)), unit, note, review
    return "", None, "", text, True
