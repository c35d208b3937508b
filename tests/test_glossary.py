"""Official GDPR terminology in every language (compliance/glossary.py): no catalogue, template or
demo text uses a variant the Regulation's official translations do not, and what the documents
(contracts) say addresses the reader formally."""

import re
from pathlib import Path

import polib
import pytest

from compliance import demo
from compliance.glossary import GLOSSARY, INFORMAL_ADDRESS, OFFICIAL_QUOTES, wrong_variants

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["pl", "cs", "de"]
# Templates whose text ends up in the PDF documents (the DPA annexes are a contract).
DOCUMENT_TEMPLATES = ("templates/compliance/pdf/", "templates/compliance/shared/")


def catalogue(language):
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def translations(entry):
    return [entry.msgstr, *entry.msgstr_plural.values()]


def demo_texts(language):
    """Every text of the demo register written in `language` (the `<field>_<language>` keys)."""
    found = []

    def walk(value, name=""):
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str) and str(key).endswith(f"_{language}"):
                    found.append((f"{name}.{key}", item))
                else:
                    walk(item, f"{name}.{key}")
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk(item, f"{name}[{index}]")

    for name in dir(demo):
        if name.isupper():
            walk(getattr(demo, name), name)
    return found


def test_every_term_has_an_official_form_and_wrong_variants_that_compile():
    for language, terms in GLOSSARY.items():
        for term in terms:
            assert term.official and term.source and term.wrong, term
            for pattern in term.wrong:
                re.compile(pattern)
                # The official term is never caught as a wrong variant of itself.
                assert not wrong_variants(language, term.official), term


def test_glossary_catches_the_variants_the_audit_found():
    assert wrong_variants("pl", "mamy wyznaczonego inspektora ochrony danych osobowych")
    assert wrong_variants("pl", "jest w naszym dobrze pojętym interesie")
    assert wrong_variants("pl", "nie przechowuje danych wrażliwych")
    assert wrong_variants("pl", "podmioty trzecie mogą mieć dostęp")
    assert not wrong_variants("pl", "inspektor ochrony danych, prawnie uzasadniony interes")


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_use_the_official_terms(language):
    problems = [
        (entry.msgid[:60], found)
        for entry in catalogue(language)
        if not entry.obsolete and entry.msgid not in OFFICIAL_QUOTES
        for text in translations(entry)
        if (found := wrong_variants(language, text))
    ]
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_demo_texts_use_the_official_terms_and_formal_address(language):
    texts = demo_texts(language)
    assert len(texts) > 50  # the walk found the demo's texts
    wrong = [(name, found) for name, text in texts if (found := wrong_variants(language, text))]
    assert wrong == []
    informal = re.compile(INFORMAL_ADDRESS[language], re.IGNORECASE)
    assert [(name, text) for name, text in texts if informal.search(text)] == []


def test_templates_use_no_wrong_variant():
    problems = []
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for language in LANGUAGES:
                problems += [(str(path), f) for f in wrong_variants(language, text)]
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_documents_address_the_reader_formally(language):
    informal = re.compile(INFORMAL_ADDRESS[language], re.IGNORECASE)
    in_documents = [
        entry
        for entry in catalogue(language)
        if not entry.obsolete
        and any(path.startswith(DOCUMENT_TEMPLATES) for path, _line in entry.occurrences)
    ]
    assert len(in_documents) > 50
    assert [
        (entry.msgid[:60], text)
        for entry in in_documents
        for text in translations(entry)
        if informal.search(text)
    ] == []
