"""Every document is PDF/UA-1 as far as a machine can tell (tests/pdf_ua.py), and still
PDF/A-3b, in every language, for a release and for the draft."""

import pytest

from compliance import documents
from compliance.models import Processor
from compliance.releases import publish
from tests import factories, pdf_ua

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "pl", "cs", "de")


@pytest.fixture
def release(demo):
    """The demo with a chain of sub-processors three deep (their headings nest)."""
    top = Processor.objects.filter(status="active").first()
    middle = factories.ProcessorFactory(name="Middle GmbH", status="active", parent=top)
    factories.ProcessorFactory(name="Bottom s.r.o.", status="active", parent=middle)
    return publish(note="Chains")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["annex", "summary"])
def test_documents_are_pdf_ua(release, kind, language):
    pdf = documents.release_document(release, kind, language)
    assert pdf_ua.problems(pdf, language) == []


def test_the_draft_is_pdf_ua_too(release):
    assert pdf_ua.problems(documents.draft_document("summary", "cs"), "cs") == []


def test_links_are_described_in_the_documents_language(release):
    descriptions = pdf_ua.link_descriptions(documents.release_document(release, "annex", "pl"))
    # The table of contents: the Clauses, then Annexes I to IV, named in Polish.
    assert descriptions and all(d.startswith(("Załącznik", "Klauzule")) for d in descriptions), (
        descriptions
    )


def test_the_checks_catch_what_weasyprint_alone_writes(release, monkeypatch):
    """Without this project's finishing steps the same document breaks the rules: the checks
    can fail."""
    monkeypatch.setattr(documents, "claim_pdf_ua", lambda pdf: None)
    monkeypatch.setattr(documents, "scope_table_headers", lambda pdf: None)
    monkeypatch.setattr(documents, "describe_links", lambda pdf, texts: None)
    found = pdf_ua.problems(documents.draft_document("annex", "pl"), "pl")
    assert "XMP does not claim PDF/UA-1 (pdfuaid:part)" in found
    assert "a table header cell without Scope" in found
    assert any("a link described as 'annex-1'" in problem for problem in found)


def test_a_heading_jump_is_caught(release, monkeypatch):
    from django.template import loader

    original = loader.render_to_string

    def skipping(template, context=None, *args, **kwargs):
        html = original(template, context, *args, **kwargs)
        return html.replace("<h3>", "<h5>").replace("</h3>", "</h5>")

    monkeypatch.setattr(documents, "render_to_string", skipping)
    found = pdf_ua.problems(documents.draft_document("annex", "en"), "en")
    assert any("jumps from H2 to H5" in problem for problem in found)
