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


# django-unfold's strings that no page of this admin shows: its rich-text editor, guardian and
# simple-history integrations, import-export forms (the admin has its own import pages),
# money and location widgets, datasets. tests below fail when an upgrade adds a string
# that is in neither list.
UNFOLD_STRINGS_NOT_SHOWN = {
    "%(class_name)s %(instance)s", "Bold", "Change History", "Change reason", "Changed by",
    "Changes", "Code", "Dataset not found. No action performed.", "Enter an URL",
    "Group", "Group permissions", "Heading", "Image preview", "Indent decrease", "Indent increase",
    "Italic", "Link", "Manage group", "Manage user", "Non field specific", "Not enough data.",
    "Object", "Object permissions", "Ordered list", "Paragraph",
    "Please correct these errors in your data where possible, then reupload it using the "
    "form above.",
    "Quote", "Record picture", "Redo", "Select currency", "Select format",
    "Some rows failed to validate", "Strike", "This exporter will export the following fields",
    "This exporter will export the following fields: ", "Underlined", "Undo", "Unlink",
    "Unordered list", "User permissions", "View traceback",
    "You can not create nested object without parent",
}  # fmt: skip


def unfold_msgids():
    """The msgids of django-unfold's templates ({% trans %}) and Python code (_("..."))."""
    import unfold

    root = Path(unfold.__file__).parent
    found = set()
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"\{% (?:trans|translate) (?:\"([^\"]+)\"|'([^']+)')", text):
            found.add(match.group(1) or match.group(2))
    for module in root.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        found.update(re.findall(r"\b_\(\s*\"([^\"]+)\"\s*\)", text))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admin_theme_speaks_every_language(language):
    """django-unfold ships no translations: each of its strings that the admin shows has one,
    from Django's catalogues or ours (compliance/theme_strings.py keeps them in locale/)."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation(language)._catalog
    msgids = unfold_msgids()
    assert "Type to search" in msgids and "Filters" in msgids  # the extraction still works
    missing = {m for m in msgids if m not in catalogue} - UNFOLD_STRINGS_NOT_SHOWN
    assert missing == set(), f"{language}: translate in compliance/theme_strings.py: {missing}"
