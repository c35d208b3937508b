import pytest

from compliance.retention import RetentionKind, RetentionUnit, format_retention, retention_days

MONTHS, YEARS, WEEKS, DAYS, HOURS = (
    RetentionUnit.MONTHS,
    RetentionUnit.YEARS,
    RetentionUnit.WEEKS,
    RetentionUnit.DAYS,
    RetentionUnit.HOURS,
)


@pytest.mark.parametrize(
    ("language", "value", "unit", "expected"),
    [
        ("en", 1, MONTHS, "1 month"),
        ("en", 6, MONTHS, "6 months"),
        ("en", 1, YEARS, "1 year"),
        ("en", 2, YEARS, "2 years"),
        ("en", 30, DAYS, "30 days"),
        ("en", 24, HOURS, "24 hours"),
        ("en", 1, WEEKS, "1 week"),
        # Polish: one, few (2-4, 22-24, ...), many (5-21, 25-31, ..., 12-14).
        ("pl", 1, MONTHS, "1 miesiąc"),
        ("pl", 2, MONTHS, "2 miesiące"),
        ("pl", 5, MONTHS, "5 miesięcy"),
        ("pl", 6, MONTHS, "6 miesięcy"),
        ("pl", 12, MONTHS, "12 miesięcy"),
        ("pl", 13, MONTHS, "13 miesięcy"),
        ("pl", 22, MONTHS, "22 miesiące"),
        ("pl", 1, YEARS, "1 rok"),
        ("pl", 2, YEARS, "2 lata"),
        ("pl", 5, YEARS, "5 lat"),
        ("pl", 12, YEARS, "12 lat"),
        ("pl", 24, YEARS, "24 lata"),
        ("pl", 1, DAYS, "1 dzień"),
        ("pl", 30, DAYS, "30 dni"),
        ("pl", 3, WEEKS, "3 tygodnie"),
        ("pl", 5, HOURS, "5 godzin"),
        # Czech: one, few (2-4), other (5+).
        ("cs", 1, MONTHS, "1 měsíc"),
        ("cs", 2, MONTHS, "2 měsíce"),
        ("cs", 6, MONTHS, "6 měsíců"),
        ("cs", 1, YEARS, "1 rok"),
        ("cs", 2, YEARS, "2 roky"),
        ("cs", 5, YEARS, "5 let"),
        ("cs", 22, YEARS, "22 let"),
        ("cs", 3, DAYS, "3 dny"),
        ("cs", 7, DAYS, "7 dní"),
        # German: one, other.
        ("de", 1, MONTHS, "1 Monat"),
        ("de", 6, MONTHS, "6 Monate"),
        ("de", 1, YEARS, "1 Jahr"),
        ("de", 2, YEARS, "2 Jahre"),
        ("de", 1, DAYS, "1 Tag"),
        ("de", 30, DAYS, "30 Tage"),
    ],
)
def test_duration_uses_the_languages_plural_forms(language, value, unit, expected):
    """Durations come out of the catalogues with the language's own plural forms."""
    assert format_retention(RetentionKind.DURATION, value, unit, language=language) == expected


@pytest.mark.parametrize(
    ("language", "session", "persistent_start"),
    [
        ("en", "Session", "Persistent"),
        ("pl", "Sesja", "Przechowywanie jest trwałe"),
        ("cs", "Relace", "Trvalé"),
        ("de", "Sitzung", "Dauerhaft"),
    ],
)
def test_session_and_persistent_in_every_language(language, session, persistent_start):
    """Session and persistent retentions are worded in each language."""
    assert format_retention(RetentionKind.SESSION, language=language) == session
    assert format_retention(RetentionKind.PERSISTENT, language=language).startswith(
        persistent_start
    )


def test_note_follows_the_duration():
    """The note ('after last activity') follows the duration."""
    text = format_retention(
        RetentionKind.DURATION, 13, MONTHS, note="after last activity", language="en"
    )
    assert text == "13 months after last activity"


def test_missing_retention_renders_empty():
    """No retention, or a duration without its number, renders as nothing rather than garbage."""
    assert format_retention("", language="en") == ""
    assert format_retention(RetentionKind.DURATION, None, MONTHS, language="en") == ""


def test_retention_days():
    """Lifetimes compare in days; persistent is unbounded."""
    assert retention_days(RetentionKind.SESSION, None, "") == 0
    assert retention_days(RetentionKind.DURATION, 2, YEARS) == pytest.approx(730.5)
    assert retention_days(RetentionKind.PERSISTENT, None, "") is None
