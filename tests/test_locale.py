import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ["pl", "cs", "de"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_valid(language):
    """Every interface string is translated, none is fuzzy, and the catalogue compiles."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext's msgfmt is needed to compile the catalogues"
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert re.match(r"\d+ translated messages\.$", result.stderr.strip()), result.stderr


@pytest.mark.parametrize(
    ("language", "nplurals"), [("pl", "nplurals=4"), ("cs", "nplurals=4"), ("de", "nplurals=2")]
)
def test_catalogue_declares_the_languages_plural_forms(language, nplurals):
    """The plural rule comes from the catalogue header, as Django's own catalogues have it."""
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    assert f"Plural-Forms: {nplurals};" in po
