"""PDF documents with WeasyPrint: the DPA annexes and the data-processing summary.

render() turns a snapshot (a release's, or the draft's) into PDF/A-3b that is also PDF/UA-1
(tagged and accessible: headings in order, table headers scoped, links described in the
document's language), in any configured language. The templates escape every text from the register,
and the URL fetcher refuses everything but the project's own fonts (and the organisation's
logo, embedded by us as PNG data), so nothing a user typed can make the renderer fetch a file
or call a server.

A release's document is rendered once per language and kept (ReleaseDocument): the same bytes
are served every time after.
"""

import base64
import copy
import hashlib
import re
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path

import pydyf
from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from compliance import branding, document_parts, forked, subprocessors
from compliance.diff import diff_snapshots, with_labels
from compliance.localize import localize
from compliance.models import DocumentKind, Release, ReleaseDocument
from compliance.releases import TamperedRelease, verified_snapshot
from compliance.snapshot import build_snapshot

FONTS = Path(__file__).resolve().parent / "static" / "compliance" / "fonts"
TEMPLATES = {
    DocumentKind.ANNEX: "compliance/pdf/annex.html",
    DocumentKind.SUMMARY: "compliance/pdf/summary.html",
}


LOGO_DATA = "data:image/png;base64,"


class RefusingFetcher(URLFetcher):
    """Fetches the project's own font files and nothing else; records what was asked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allowed_protocols={"file"}, allow_redirects=False, **kwargs)
        self.requested = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        if url.startswith(LOGO_DATA):
            # The logo, embedded by render() from our own re-encoded PNG: nothing is fetched.
            content = base64.b64decode(url.removeprefix(LOGO_DATA), validate=True)
            return URLFetcherResponse(url, content, {"Content-Type": "image/png"})
        if not url.startswith("file://"):
            raise ValueError(f"Refused to fetch {url!r}: documents use only their own fonts.")
        path = Path(url.removeprefix("file://").split("?")[0]).resolve()
        if FONTS not in path.parents:
            raise ValueError(f"Refused to fetch {url!r}: documents use only their own fonts.")
        return super().fetch(path.as_uri(), headers)


class SerialisedOnce(pydyf.Object):
    """A PDF object standing in for `original`, serialising it once.

    To write the file identifier that PDF/A requires, pydyf serialises (and compresses) every
    object twice: once to hash the whole file, once to write it. Standing in for each object
    in a finisher halves that work (4 % of rendering the summary); the bytes written are the
    same.
    """

    def __init__(self, original):
        super().__init__()
        self.original = original
        self.number = original.number
        self.generation = original.generation

    @cached_property
    def data(self):
        return self.original.data

    @property
    def compressible(self):
        return self.original.compressible


def remembered_page_references(pdf):
    """pydyf's PDF.page_references, remembered while no page is added. pydyf builds the tuple
    of every page's reference anew on each use, and WeasyPrint's tagging uses it for each
    structure element it makes: pages × elements, 13 of the 38 s of laying out and writing the
    1,800 pages around the declaration of a 50,000-item summary (profiled)."""
    kids = pdf.pages["Kids"]
    remembered = pdf.__dict__.get("_page_references")
    if remembered is None or len(remembered) * 3 != len(kids):
        remembered = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
        pdf._page_references = remembered
    return remembered


# Pages are only ever added (three entries each: number, 0, R), so the count says when the
# remembered tuple is out of date. A test compares it with pydyf's own.
PYDYF_PAGE_REFERENCES = pydyf.PDF.page_references
pydyf.PDF.page_references = property(remembered_page_references)


class LinkTexts(HTMLParser):
    """The text of each internal link of a document's HTML: {anchor id: link text}."""

    def __init__(self, html):
        super().__init__()
        self.texts, self.current = {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("#"):
            self.current = href[1:]
            self.texts.setdefault(self.current, "")

    def handle_data(self, data):
        if self.current is not None:
            self.texts[self.current] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self.current = None


def describe_links(pdf, texts):
    """Give each internal link annotation its link's text as description (/Contents), in the
    document's language: WeasyPrint writes the bare anchor id ("annex-4"), which a screen
    reader would read out (PDF/UA)."""
    for pdf_object in pdf.objects:
        if not isinstance(pdf_object, pydyf.Dictionary) or pdf_object.get("Subtype") != "/Link":
            continue
        contents = pdf_object.get("Contents")
        target = getattr(contents, "string", None)
        if target in texts and texts[target].strip():
            pdf_object["Contents"] = pydyf.String(" ".join(texts[target].split()))


# PDF/UA-1 (ISO 14289-1) claimed in the XMP next to PDF/A-3b. PDF/A-3 allows only predefined
# XMP schemas, or ones it is told about in an extension schema: pdfuaid is not predefined.
PDF_UA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\
<pdfuaid:part>1</pdfuaid:part></rdf:Description>\
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" \
xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"><pdfaExtension:schemas><rdf:Bag>\
<rdf:li rdf:parseType="Resource">\
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>\
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>part</pdfaProperty:name>\
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed\
</pdfaProperty:description></rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag>\
</pdfaExtension:schemas></rdf:Description>"""


def claim_pdf_ua(pdf):
    """Add PDF/UA-1's identification (and its PDF/A extension schema) to the XMP metadata."""
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, pydyf.Stream) and pdf_object.extra.get("Type") == "/Metadata":
            pdf_object.stream = [
                part.replace(b"</rdf:RDF>", PDF_UA_XMP + b"</rdf:RDF>", 1)
                for part in pdf_object.stream
            ]
            return
    raise ValueError("WeasyPrint wrote no XMP metadata to claim PDF/UA in.")


def scope_table_headers(pdf):
    """Give each table header cell its scope (PDF/UA: a TH says what it heads). WeasyPrint
    drops the HTML's scope attribute; ours are column headers in a <thead> and row headers
    (first cell of a row) elsewhere, which the structure tree tells apart."""
    by_reference = {
        pdf_object.reference: pdf_object
        for pdf_object in pdf.objects
        if isinstance(pdf_object, pydyf.Dictionary) and pdf_object.get("Type") == "/StructElem"
    }
    for element in by_reference.values():
        if element.get("S") != "/TH":
            continue
        row = by_reference.get(element.get("P"))
        group = by_reference.get(row.get("P")) if row else None
        in_head = group is not None and group.get("S") == "/THead"
        element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        element["A"]["Scope"] = "/Column" if in_head else "/Row"


def serialise_objects_once(document, pdf):
    """A WeasyPrint finisher: see SerialisedOnce."""
    pdf.objects[:] = [
        pdf_object if pdf_object.free == "f" else SerialisedOnce(pdf_object)
        for pdf_object in pdf.objects
    ]


def css_text(value):
    """A CSS string literal for our own interface text (never user text)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def page_counter_content():
    """'Page X of Y' in the active language, as a CSS content value."""
    parts = re.split(r"(%\(pages?\)s)", gettext("Page %(page)s of %(pages)s"))
    counters = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    return " ".join(counters.get(part) or css_text(part) for part in parts if part)


def document_title(kind):
    return str(dict(DocumentKind.choices)[kind])


def render(kind, language, snapshot, *, release=None, changes=None, fetcher=None):
    """PDF bytes of document `kind` in `language` for `snapshot`.

    `release` is the Release it belongs to (None: the draft, marked as such); `changes` is what
    changes_since() returns, listed by the summary.
    """
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language {language!r}.")
    # Annex IV lists the sub-processors authorised on the release's effective date (the draft:
    # today), the intended changes apart.
    accurate_on = release.effective_date if release else timezone.localdate()
    sub_changes = (
        subprocessors.changes_up_to(release) if release else subprocessors.draft_changes(snapshot)
    )
    current = subprocessors.listing(snapshot, sub_changes, accurate_on)
    objection_contact = subprocessors.objection_contact(snapshot)
    snapshot = subprocessors.restricted(snapshot, current)
    with translation.override(language):
        register = localize(snapshot, language)
        if changes is not None:
            # Register titles and field labels in the document's language, not snapshot keys.
            changes = with_labels(copy.deepcopy(changes))
        context = {
            "kind": kind,
            "title": document_title(kind),
            "register": register,
            # The logo's own bytes, embedded: the renderer fetches nothing (RefusingFetcher).
            "logo_data_uri": branding.logo_data_uri(register.organisation.get("logo")),
            "release": release,
            "draft": release is None,
            "generated_on": timezone.localdate(),
            "changes": changes,
            "language": language,
            "language_name": str(dict(settings.LANGUAGES)[language]),
            "accurate_on": accurate_on,
            "intended": subprocessors.presented(current.intended, language),
            "objection_contact": objection_contact,
        }
        stylesheet = render_to_string(
            "compliance/pdf/document.css",
            {"fonts": FONTS.as_uri(), "page_counter": page_counter_content()},
        )
        fetcher = fetcher or RefusingFetcher()

        def write(html, css):
            return write_pdf(html, css, fetcher)

        parts = []
        if kind == DocumentKind.SUMMARY:
            declaration = register.declaration_tables
            parts = document_parts.split(declaration, settings.DOCUMENT_PART_ROWS)
            context["declaration_sections"] = document_parts.whole(declaration)
        if len(parts) > 1:
            # No running heads in the parts: the frame's pages in their place have them.
            part_stylesheet = render_to_string(
                "compliance/pdf/document.css", {"fonts": FONTS.as_uri(), "page_counter": ""}
            )
            pdf, fetcher.requested = document_parts.render(
                context, stylesheet, part_stylesheet, parts, write, TEMPLATES[kind]
            )
            return pdf
        html = render_to_string(TEMPLATES[kind], context)
    # WeasyPrint runs in a child process (see compliance.forked); the fetcher's record of what
    # was asked for comes back with the PDF.
    rendered = forked.run(lambda: write(html, stylesheet))
    fetcher.requested = rendered.requested
    return rendered.pdf


def write_pdf(html, stylesheet, fetcher):
    """A RenderedPart of `html` with `stylesheet`: WeasyPrint's work, run in a child process."""
    link_texts = LinkTexts(html).texts

    def finish(document, pdf):
        describe_links(pdf, link_texts)
        scope_table_headers(pdf)
        claim_pdf_ua(pdf)
        serialise_objects_once(document, pdf)

    # The stylesheet's @font-face rules take effect only through a FontConfiguration given to
    # both the stylesheet and the rendering: without it WeasyPrint would quietly use whatever
    # sans-serif font the machine has.
    font_config = FontConfiguration()
    options = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}
    document = HTML(string=html, base_url=FONTS.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[
            CSS(
                string=stylesheet,
                url_fetcher=fetcher,
                base_url=FONTS.as_uri() + "/",
                font_config=font_config,
            )
        ],
        font_config=font_config,
        **options,
    )
    pdf = document.write_pdf(finisher=finish, **options)
    return document_parts.RenderedPart(
        pdf=pdf,
        page_count=len(document.pages),
        bookmarks=_bookmarks(document),
        anchors=_anchors(document),
        requested=fetcher.requested,
    )


def _pdf_point(page, x, y):
    """A point of a page in CSS pixels from its top left, in PDF points from its bottom left."""
    return x * 0.75, (page.height - y) * 0.75


def _anchors(document):
    """{anchor: index of the page where it starts}: an element running over several pages is
    an anchor on each of them."""
    anchors = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    return anchors


def _bookmarks(document):
    return [
        (level, label, index, *_pdf_point(page, x, y), state)
        for index, page in enumerate(document.pages)
        for level, label, (x, y), state in page.bookmarks
    ]


def changes_since(earlier, snapshot):
    """The diff from release `earlier` to `snapshot`, or None when there is no earlier release:
    listing the whole register as "added" would only repeat the document."""
    return diff_snapshots(earlier.snapshot, snapshot) if earlier else None


def previous_release(release):
    return Release.objects.filter(number__lt=release.number).order_by("-number").first()


class StaleRelease(Exception):
    """The release changed (was redacted) while its document was rendered."""


def release_document(release, kind, language):
    """The stored PDF of `release`, rendering and storing it the first time."""
    stored = ReleaseDocument.objects.filter(release=release, kind=kind, language=language).first()
    if stored is not None:
        pdf = bytes(stored.pdf)
        if hashlib.sha256(pdf).hexdigest() != stored.sha256:
            raise TamperedRelease(
                f"The stored {kind} PDF of release {release.number} ({language}) does not match "
                "its SHA-256: it was changed outside the application."
            )
        return pdf
    snapshot = verified_snapshot(release)
    changes = changes_since(previous_release(release), snapshot)
    pdf = render(kind, language, snapshot, release=release, changes=changes)
    try:
        with transaction.atomic():
            # A redaction may have replaced the snapshot while this one was rendered: its PDF
            # must not be stored (it could hold the erased values). The row lock orders this
            # with the redaction's update.
            current = (
                Release.objects.select_for_update()
                .filter(pk=release.pk)
                .values_list("content_hash", flat=True)
                .first()
            )
            if current != release.content_hash:
                raise StaleRelease(
                    f"Release {release.number} was redacted while its {kind} PDF ({language}) "
                    "was being rendered: render it again."
                )
            ReleaseDocument.objects.create(
                release=release,
                kind=kind,
                language=language,
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
            )
    except IntegrityError:
        # Rendered at the same moment by another request: serve the one that was stored.
        return bytes(ReleaseDocument.objects.get(release=release, kind=kind, language=language).pdf)
    return pdf


def draft_document(kind, language):
    """The draft's PDF, rendered from the live register every time (never stored)."""
    latest = Release.objects.order_by("-number").first()
    snapshot = build_snapshot()
    return render(kind, language, snapshot, changes=changes_since(latest, snapshot))


def filename(kind, language, release=None, organisation=""):
    stem = slugify(organisation) or "register"
    version = f"release-{release.number}" if release else f"draft-{timezone.localdate():%Y-%m-%d}"
    return f"{stem}-{kind}-{version}-{language}.pdf"
