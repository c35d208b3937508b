"""Structured retention of cookies and storage items, and its wording in every language.

A retention is a kind (session, a duration, or persistent until cleared), for a duration a number
and a unit, and an optional note ("after last activity"). The words come from the gettext
catalogues in locale/, so that plural forms are the language's own: "6 miesięcy", "2 lata",
"5 lat" in Polish, "6 měsíců", "2 roky" in Czech.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _


class RetentionKind(models.TextChoices):
    SESSION = "session", _("Session")
    DURATION = "duration", _("Fixed duration")
    PERSISTENT = "persistent", _("Persistent until cleared")


class RetentionUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


# Length of one unit in days, for comparing durations (a month is an average month).
DAYS_PER_UNIT = {
    RetentionUnit.HOURS: 1 / 24,
    RetentionUnit.DAYS: 1,
    RetentionUnit.WEEKS: 7,
    RetentionUnit.MONTHS: 365.25 / 12,
    RetentionUnit.YEARS: 365.25,
}


def duration_text(value, unit):
    """'6 months' in the active language, with the catalogue's plural form for `value`."""
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
