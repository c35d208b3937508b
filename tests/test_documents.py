import datetime
import io
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import factory
import pydyf
import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.db import models as django_models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from weasyprint import HTML

from compliance import documents, models
from compliance.releases import publish
from compliance.resources import IMPORTABLE_MODELS
from tests import factories

pytestmark = pytest.mark.django_db

STORAGE_NAMES = [
    "_ss.enableSounds",
    "ssupp_<CHAT_KEY>",
    "ssupp_<CHAT_KEY>message",
    "ssupp_<CHAT_KEY>opened",
    "ssupp_<CHAT_KEY>vid",
    "ssupp_<CHAT_KEY>visits",
]
COOKIE_NAMES = [
    "ssupp.vid",
    "ssupp.visits",
    "SL_C_<PROJECT_KEY>_KEY",
    "SL_C_<PROJECT_KEY>_SID",
    "SL_C_<PROJECT_KEY>_VID",
]


def pdf_text(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def flat(text):
    """Extracted text with line breaks and repeated spaces folded."""
    return " ".join(text.split())


@pytest.fixture
def release(demo):
    return publish(note="First")


@pytest.mark.parametrize("language", ["pl", "en"])
def test_summary_has_the_register(release, language):
    """The summary holds the organisation, the DPO and every cookie and storage item."""
    reader, pages = pdf_text(documents.release_document(release, "summary", language))
    text = flat(" ".join(pages))
    assert "036 68 681" in text
    assert "Šumavská 31" in text
    assert "dpo@smartsupp.com" in text
    for name in COOKIE_NAMES + STORAGE_NAMES:
        assert name in text, name
    if language == "pl":
        assert "6 miesięcy" in text
        assert "2 lata" in text
        assert "Przechowywanie jest trwałe" in text
        assert "Zapewnienie odpowiedniej obsługi klienta" in text
    else:
        assert "6 months" in text
        assert "Persistent until cleared" in text


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        (
            "en",
            [
                "Annex I – List of parties",
                "Annex II – Description of the processing",
                "Annex III – Technical and organisational measures",
                "Annex IV – List of sub-processors",
            ],
        ),
        (
            "pl",
            [
                "Załącznik I – Wykaz stron",
                "Załącznik II – Opis przetwarzania",
                "Załącznik III – Środki techniczne i organizacyjne",
                "Załącznik IV – Wykaz podmiotów przetwarzających",
            ],
        ),
    ],
)
def test_annex_headings_in_order(release, language, headings):
    """The annexes follow Decision 2021/915: I parties, II processing, III measures, IV list."""
    _reader, pages = pdf_text(documents.release_document(release, "annex", language))
    body = flat(" ".join(pages[2:]))  # after the cover and the contents
    positions = [body.find(heading) for heading in headings]
    assert all(p >= 0 for p in positions), positions
    assert positions == sorted(positions)
    assert "Smartlook.com, s.r.o." in body
    assert "036 68 681" in body
    assert "dpo@smartsupp.com" in body


@pytest.mark.parametrize(("language", "label"), [("en", "Page {} of {}"), ("pl", "Strona {} z {}")])
def test_pages_are_numbered_in_the_documents_language(release, language, label):
    """Every page says 'page X of Y' in the document's language."""
    _reader, pages = pdf_text(documents.release_document(release, "summary", language))
    for number, text in enumerate(pages, start=1):
        assert label.format(number, len(pages)) in flat(text)


def test_contents_give_page_numbers(release):
    """The table of contents names each chapter with the page it starts on."""
    _reader, pages = pdf_text(documents.release_document(release, "summary", "en"))
    contents = flat(pages[1])
    match = re.search(r"Cookie and browser-storage declaration[ .]*(\d+)", contents)
    assert match
    page = int(match.group(1))
    assert "Cookie and browser-storage declaration" in flat(pages[page - 1])


def test_draft_watermark_only_on_drafts(release):
    """A draft says DRAFT on every page; a release never does."""
    _reader, pages = pdf_text(documents.draft_document("annex", "en"))
    assert all("DRAFT" in page for page in pages)
    _reader, pages = pdf_text(documents.release_document(release, "annex", "en"))
    assert not any("DRAFT" in page for page in pages)
    _reader, pages = pdf_text(documents.draft_document("annex", "pl"))
    assert all("WERSJA ROBOCZA" in flat(page) for page in pages)


def declaration_pages(pdf, language="en"):
    """The extracted text of each page of the summary's chapter 3, the declaration."""
    _reader, pages = pdf_text(pdf)
    pages = [flat(page) for page in pages]
    with translation.override(language):
        start = "4. " + gettext("Cookie and browser-storage declaration")
        end = "5. " + gettext("Wording for your privacy policy")
    # The last mention of a chapter's title is its heading, after the table of contents.
    first = max(n for n, page in enumerate(pages) if start in page)
    last = max(n for n, page in enumerate(pages) if end in page)
    return pages[first:last]


def test_declaration_states_consent_on_every_page_of_each_table(demo):
    """Each category lists the items exempt from consent and those that need it in separate
    tables, whose first header row says which and repeats on every page the table runs over."""
    factories.CookieFactory.create_batch(
        90, category="statistics", consent_required=True, name=factory.Sequence(stat_name)
    )
    factories.CookieFactory(name="theme", category="preferences", consent_required=True)
    pages = declaration_pages(documents.draft_document("summary", "en"))
    text = " ".join(pages)
    for heading in (
        "Necessary: no consent required",
        "Preferences: no consent required",
        "Preferences: consent required",
        "Statistics: consent required",
        "Marketing: consent required",
    ):
        assert heading in text, heading
    assert "Statistics: no consent required" not in text
    # The exempt preference and the one that needs consent sit under their own headings.
    assert text.index("Preferences: no consent required") < text.index("_ss.enableSounds")
    assert text.index("Preferences: consent required") < text.index("theme")
    statistics_pages = [page for page in pages if "stat_cookie_" in page]
    assert len(statistics_pages) >= 2
    assert all("Statistics: consent required" in page for page in statistics_pages)
    # Consent is stated once per table, not in a column.
    assert "not required" not in text


def stat_name(n):
    return f"stat_cookie_{n:03d}"


def test_declaration_states_consent_in_the_documents_language(release):
    pages = declaration_pages(documents.release_document(release, "summary", "pl"), "pl")
    assert "zgoda nie jest wymagana" in " ".join(pages)


def test_declaration_states_each_tables_type_in_its_heading(demo):
    """Cookies and each kind of browser storage get their own tables within a category and
    consent status, cookies first; the type is said in the heading, not in a column."""
    factories.StorageItemFactory(
        name="chat_draft",
        category="necessary",
        consent_required=False,
        storage_type=models.StorageType.SESSION_STORAGE,
    )
    factories.CookieFactory(name="basket_id", category="necessary", consent_required=False)
    text = " ".join(declaration_pages(documents.draft_document("summary", "en")))
    cookies = text.index("Necessary: no consent required · Type: HTTP cookie")
    local = text.index("Necessary: no consent required · Type: localStorage")
    session = text.index("Necessary: no consent required · Type: sessionStorage")
    assert cookies < text.index("basket_id") < local
    assert local < text.index("ssupp_<CHAT_KEY>") < session < text.index("chat_draft")
    assert "Preferences: no consent required · Type: localStorage" in text
    # No column repeats the type on every row: "HTTP cookie" is said once per cookie table.
    assert text.count("HTTP cookie") == text.count("· Type: HTTP cookie")


def test_declaration_states_third_party_access_with_the_provider(release):
    """Planet49: whether third parties may access an item. The declaration says so after the
    provider of each such item, and its introduction says that the others have none."""
    for language in ("en", "pl"):
        with translation.override(language):
            marker = gettext("third parties may have access")
        text = " ".join(
            declaration_pages(documents.release_document(release, "summary", language), language)
        )
        assert marker in text
        starts = sorted(text.index(f"{name} ") for name in COOKIE_NAMES + STORAGE_NAMES)
        assert marker in text[: starts[0]]  # the introduction
        # Each row's text runs from its item's name to the next item's name; only the rows
        # of Smartlook's three session-recording cookies carry the marker.
        for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
            row = text[begin:end]
            assert row.count(marker) == (1 if row.startswith("SL_C_") else 0), row


def changes_section(pdf):
    """The text of the summary's last chapter, "Changes since the previous release"."""
    _reader, pages = pdf_text(pdf)
    text = flat(" ".join(pages))
    return text[text.rindex("6. Changes since the previous release") :]


def test_summary_lists_the_changes_since_the_previous_release(release):
    """Release 1 has nothing to compare with; release 2 lists what was added and changed; the
    draft lists what it would change."""
    first = changes_section(documents.release_document(release, "summary", "en"))
    assert "This is the first release: there is no earlier release to compare it with." in first
    factories.CookieFactory(name="basket_id", category="necessary", consent_required=False)
    models.Cookie.objects.filter(name="ssupp.vid").update(retention_value=5)
    draft = changes_section(documents.draft_document("summary", "en"))
    second = changes_section(documents.release_document(publish(note="Second"), "summary", "en"))
    for text in (draft, second):
        assert re.search(r"Added: .*basket_id", text), text
        assert re.search(r"Changed: .*ssupp\.vid", text), text
        assert "ssupp.visits" not in text
    assert "No changes." in changes_section(documents.draft_document("summary", "en"))


def test_draft_before_any_release_says_it_would_be_the_first(demo):
    text = changes_section(documents.draft_document("summary", "en"))
    assert "Nothing has been published yet: this draft would be the first release." in text


def test_pdf_metadata_archival_and_tagged(release):
    """PDF/A-3b, tagged, with title, author and language; fonts embedded."""
    pdf = documents.release_document(release, "summary", "pl")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title.startswith("Podsumowanie przetwarzania danych")
    assert reader.metadata.author == "Smartsupp.com, s.r.o."
    # The nominative, as a title reads ("wydanie 1"; "wydaniem 1" is for "compare with").
    assert reader.metadata.subject == "Podsumowanie przetwarzania danych – wydanie 1"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "pl"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]
            fonts.add(font.get_object()["/BaseFont"])
    # The project's own fonts (its @font-face family), not whatever the machine has.
    assert fonts and all(name.endswith(("+Document-Sans", "+Document-Sans-Bold")) for name in fonts)


def test_pdf_objects_are_serialised_once_and_written_the_same(monkeypatch):
    """The finisher halves pydyf's serialising of a PDF/A file, and writes the same bytes."""
    serialised = []
    stream_data = pydyf.Stream.data

    def counting(stream):
        serialised.append(stream)
        return stream_data.fget(stream)

    monkeypatch.setattr(pydyf.Stream, "data", property(counting))

    def write(also=None):
        """The PDF, and how often each of the document's streams was serialised."""
        streams = []

        def finisher(document, pdf):
            streams.extend(item for item in pdf.objects if isinstance(item, pydyf.Stream))
            if also:
                also(document, pdf)

        serialised.clear()
        html = HTML(string='<html lang="en"><h1>Title</h1><table><tr><td>Cell</td></tr></table>')
        pdf = html.write_pdf(finisher=finisher, pdf_variant="pdf/a-3b", pdf_tags=True)
        return pdf, {serialised.count(stream) for stream in streams}

    plain, times_plain = write()
    once, times_once = write(also=documents.serialise_objects_once)
    assert once == plain
    assert times_plain == {2}
    assert times_once == {1}


def test_missing_translation_falls_back_to_english(release):
    """A text the register lacks in Czech appears in English in the Czech document."""
    models.Cookie.objects.filter(name="ssupp.vid").update(purpose_cs="")
    publish(note="Czech gap")
    latest = models.Release.objects.latest()
    _reader, pages = pdf_text(documents.release_document(latest, "summary", "cs"))
    assert "Identifies the visitor" in flat(" ".join(pages))


def test_release_document_is_stored_and_served_unchanged(admin_client, release):
    """Downloading a release's document twice gives the same bytes; it is rendered once."""
    url = reverse("admin:compliance_release_document", args=["1", "annex", "de"])
    first, second = admin_client.get(url), admin_client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == (
        'attachment; filename="smartsuppcom-sro-annex-release-1-de.pdf"'
    )
    assert first.content == second.content
    assert models.ReleaseDocument.objects.filter(release=release).count() == 1


def test_draft_download_is_marked_and_not_cached(admin_client, demo):
    """The draft is rendered from the live register and never cached."""
    response = admin_client.get(
        reverse("admin:compliance_release_document", args=["draft", "summary", "en"])
    )
    assert "no-store" in response["Cache-Control"]
    assert "-draft-" in response["Content-Disposition"]


def test_documents_page_leads_to_the_download(admin_client, release):
    """The documents page turns a choice into the document's address."""
    page = reverse("admin:compliance_release_documents")
    assert admin_client.get(page).status_code == 200
    response = admin_client.get(page, {"kind": "summary", "language": "cs", "version": "1"})
    assert response["Location"] == reverse(
        "admin:compliance_release_document", args=["1", "summary", "cs"]
    )


def test_unknown_document_or_language_is_not_found(admin_client, release):
    """Made-up kinds, languages and releases give 404."""
    for args in (
        ["1", "poem", "en"],
        ["1", "annex", "fr"],
        ["9", "annex", "en"],
        ["x", "annex", "en"],
    ):
        url = reverse("admin:compliance_release_document", args=args)
        assert admin_client.get(url).status_code == 404


def test_render_command(release, tmp_path):
    """render_document writes a release's or the draft's PDF; without releases it explains."""
    target = tmp_path / "annex.pdf"
    call_command(
        "render_document", "annex", "--lang", "cs", "-o", str(target), stdout=io.StringIO()
    )
    assert target.read_bytes().startswith(b"%PDF")
    call_command(
        "render_document",
        "summary",
        "--lang",
        "de",
        "--draft",
        "-o",
        str(target),
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError, match="There is no release 7"):
        call_command(
            "render_document", "annex", "--lang", "en", "--release", "7", "-o", str(target)
        )


# --- Security: user text is text, and nothing is fetched --------------------------------------


FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


class Recorder(BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        Recorder.requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_server():
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    Recorder.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def poison_every_text(payload):
    """Put `payload` into every free-text field of every register row (no validation)."""
    keys = {"slug", "name", "legal_name", "email", "contact_email", "country", "category"}
    for model in IMPORTABLE_MODELS:
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (django_models.CharField, django_models.TextField))
            and not f.choices
            and f.name not in keys
            and not isinstance(
                f, (django_models.EmailField, django_models.URLField, django_models.SlugField)
            )
        ]
        if fields:
            # Short columns get as much of the payload as they hold (PostgreSQL enforces it).
            model.objects.update(
                **{
                    name: payload[: model._meta.get_field(name).max_length or None]
                    for name in fields
                }
            )


def test_user_text_is_escaped_and_fetches_nothing(demo, recording_server):
    """HTML and CSS in every text field show literally; no file or server is ever fetched."""
    payload = (
        f'<img src="file:///etc/passwd"><link rel="stylesheet" href="{recording_server}/x.css">'
        f"<style>@import url({recording_server}/i.css)</style>"
        f'<div style="background: url({recording_server}/bg.png)">x</div>'
    )
    poison_every_text(payload)
    for kind in ("annex", "summary"):
        fetcher = documents.RefusingFetcher()
        snapshot = documents.build_snapshot()
        pdf = documents.render(kind, "en", snapshot, fetcher=fetcher)
        text = flat(" ".join(pdf_text(pdf)[1]))
        assert '<img src="file:///etc/passwd">' in text
        assert f"@import url({recording_server}/i.css)" in text
        font_files = {(documents.FONTS / name).as_uri() for name in FONT_FILES}
        assert set(fetcher.requested) == font_files
    assert Recorder.requests == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://127.0.0.1:9/", "https://example.com/x.css", "data:,x"]
)
def test_fetcher_refuses_anything_but_the_fonts(url):
    """The URL fetcher refuses local files, servers and data URLs."""
    with pytest.raises(ValueError):
        documents.RefusingFetcher().fetch(url)


def test_fetcher_serves_the_fonts():
    """The project's own fonts are fetched."""
    response = documents.RefusingFetcher().fetch((documents.FONTS / "DejaVuSans.ttf").as_uri())
    assert response is not None


@pytest.mark.parametrize("language", ["en", "pl", "cs", "de"])
def test_summary_changes_name_registers_and_fields_in_the_documents_language(demo, language):
    """The changes since the previous release use titles and field labels, never snapshot
    keys ("processors", "active_until", "storage_items")."""
    first = publish(note="First")
    processor = models.Processor.objects.get(name="Smartlook.com, s.r.o.")
    processor.active_until = datetime.date(2027, 6, 30)
    processor.save()
    item = models.StorageItem.objects.first()
    item.retention_note_en = "Until the chat closes"
    item.save()
    second = publish(note="Dates")
    pdf = documents.render(
        "summary",
        language,
        second.snapshot,
        release=second,
        changes=documents.changes_since(first, second.snapshot),
    )
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    chapter = re.sub(r"\s+", " ", text).split("6. ")[-1]
    for key in ("processors", "active_until", "storage_items", "retention_note"):
        assert key not in chapter, key
    with translation.override(language):
        assert str(models.Processor._meta.get_field("active_until").verbose_name) in chapter
        assert str(models.StorageItem._meta.verbose_name_plural).capitalize() in chapter


def test_links_are_described_by_their_text_in_the_documents_language(release):
    """Each internal link's description (/Contents) is its text in the document's language,
    not the anchor id WeasyPrint writes."""
    pdf = documents.release_document(release, "annex", "pl")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    descriptions = [
        str(annotation.get_object().get("/Contents"))
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Link"
    ]
    assert "Załącznik IV – Wykaz podmiotów przetwarzających" in descriptions
    assert not [d for d in descriptions if d.startswith("annex-")]


def test_remembered_page_references_are_pydyfs():
    """compliance.documents remembers pydyf's page references between pages added: the same
    references, brought up to date when a page is added."""
    pdf = pydyf.PDF()
    for number in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        assert pdf.page_references == documents.PYDYF_PAGE_REFERENCES.fget(pdf)
        assert len(pdf.page_references) == number + 1
    assert pdf.page_references is pdf.page_references
