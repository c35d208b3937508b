"""The summary of a large register is rendered in parts and joined (compliance.document_parts,
compliance.pdf_join): the joined file reads as the summary rendered in one piece does and is
still PDF/UA-1 and PDF/A-3b. The parts are made tiny here (4 rows) so that a small register
has several, with a table and a category cut between parts."""

import io
import re

import factory
import pikepdf
import pypdf
import pytest

from compliance import document_parts, documents
from compliance.releases import publish
from tests import factories, pdf_ua

pytestmark = pytest.mark.django_db

CHAPTERS = [
    "1. The organisation and its contacts",
    "2. Record of processing activities as processor (Art. 30(2) GDPR)",
    "3. Record of processing activities as controller (Art. 30(1) GDPR)",
    "4. Cookie and browser-storage declaration",
    "5. Wording for your privacy policy",
    "6. Changes since the previous release",
]
PAGE_NUMBER = re.compile(r"Page \d+ of \d+")


def flat(text):
    return " ".join(text.split())


def page_texts(pdf):
    return [flat(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def register(demo):
    """The demo and ten statistics cookies that need consent: one table of ten rows."""
    factories.CookieFactory.create_batch(
        10,
        category="statistics",
        consent_required=True,
        name=factory.Sequence(lambda n: f"stat_{n:02d}"),
    )
    factories.CookieFactory(name="<b>not bold</b>", category="marketing", consent_required=True)


@pytest.fixture
def whole_and_parted(register, settings):
    """The draft summary in English rendered in one piece and in parts of four rows."""

    def render(language="en"):
        settings.DOCUMENT_PART_ROWS = 10_000
        whole = documents.draft_document("summary", language)
        settings.DOCUMENT_PART_ROWS = 4
        parted = documents.draft_document("summary", language)
        return whole, parted

    return render


def declared_names():
    from compliance.models import Cookie, StorageItem

    return [c.name for c in Cookie.objects.all()] + [s.name for s in StorageItem.objects.all()]


def tables(rows_per_table):
    return [
        {"consent_required": True, "type": "HTTP cookie", "items": list(range(rows))}
        for rows in rows_per_table
    ]


def test_split_cuts_tables_and_marks_continued_categories():
    declaration = [("Necessary", tables([3])), ("Statistics", tables([2, 6]))]
    parts = document_parts.split(declaration, 4)
    assert [sum(len(t["items"]) for _c, ts, _k in part for t in ts) for part in parts] == [4, 4, 3]
    assert [[(c, [len(t["items"]) for t in ts], k) for c, ts, k in part] for part in parts] == [
        [("Necessary", [3], False), ("Statistics", [1], False)],
        [("Statistics", [1, 3], True)],
        [("Statistics", [3], True)],
    ]
    # Every row once, in order.
    rows = [row for part in parts for _c, ts, _k in part for t in ts for row in t["items"]]
    assert rows == [0, 1, 2, 0, 1, 0, 1, 2, 3, 4, 5]


def test_split_at_an_exact_boundary_makes_no_empty_part():
    assert len(document_parts.split([("A", tables([4])), ("B", tables([4]))], 4)) == 2
    assert len(document_parts.split([("A", tables([3]))], 4)) == 1
    assert document_parts.split([], 4) == []


@pytest.mark.parametrize("language", ["en", "pl"])
def test_summary_in_parts_is_pdf_ua(whole_and_parted, language):
    whole, parted = whole_and_parted(language)
    assert pdf_ua.problems(whole, language) == []
    assert pdf_ua.problems(parted, language) == []


def test_a_release_summary_in_parts_is_pdf_ua(register, settings):
    settings.DOCUMENT_PART_ROWS = 3
    pdf = documents.release_document(publish(note="Parts"), "summary", "cs")
    assert pdf_ua.problems(pdf, "cs") == []
    joined = pikepdf.open(io.BytesIO(pdf))
    assert len(joined.pages) > 12
    # qpdf's own check of the file's syntax and cross-references.
    assert joined.check_pdf_syntax() == []
    assert pdf.startswith(b"%PDF-1.7\n%")  # the binary comment PDF/A asks for follows
    assert len(joined.trailer.ID) == 2


def test_summary_in_parts_has_every_item_once_in_the_same_order(whole_and_parted):
    whole, parted = whole_and_parted()
    whole_text, parted_text = " ".join(page_texts(whole)), " ".join(page_texts(parted))
    names = declared_names()
    assert "<b>not bold</b>" in names
    for name in names:
        assert parted_text.count(name) == whole_text.count(name) >= 1, name
    assert sorted(names, key=parted_text.index) == sorted(names, key=whole_text.index)
    # The table cut between parts goes on with its heading row repeated.
    pages_with_statistics = [page for page in page_texts(parted) if "stat_" in page]
    assert len(pages_with_statistics) >= 2
    assert all("Statistics: consent required" in page for page in pages_with_statistics)
    assert parted_text.count("4. Cookie and browser-storage declaration") == 2  # contents, heading


def test_the_rest_of_the_summary_is_unchanged(whole_and_parted):
    """Chapters 1 to 3 page for page, and 5 and 6, read as in the summary rendered whole."""
    whole, parted = whole_and_parted()
    whole_pages = [PAGE_NUMBER.sub("", page) for page in page_texts(whole)]
    parted_pages = [PAGE_NUMBER.sub("", page) for page in page_texts(parted)]
    declaration = next(n for n, page in enumerate(whole_pages) if page.startswith(CHAPTERS[3]))
    # The contents page differs only in the page numbers of chapters 5 and 6.
    assert whole_pages[2:declaration] == parted_pages[2:declaration]
    policy = next(n for n, page in enumerate(whole_pages) if page.startswith(CHAPTERS[4]))
    parted_policy = next(n for n, page in enumerate(parted_pages) if page.startswith(CHAPTERS[4]))
    assert whole_pages[policy:] == parted_pages[parted_policy:]
    assert parted_policy >= policy


def test_every_page_has_its_running_heads_and_number(whole_and_parted):
    _whole, parted = whole_and_parted()
    pages = page_texts(parted)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Draft of " in text and "not published" in text
        assert "DRAFT" in text  # the watermark, on the parts' pages too
        if number > 1:
            assert "Data-processing summary" in text and "Smartsupp.com, s.r.o." in text


def test_contents_links_and_bookmarks_point_at_the_chapters(whole_and_parted):
    whole, parted = whole_and_parted()
    pages = page_texts(parted)
    reader = pypdf.PdfReader(io.BytesIO(parted))
    destinations = {
        name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()
    }
    anchors = ["organisation", "record", "controller-record", "declaration", "policy", "changes"]
    for chapter, anchor in zip(CHAPTERS, anchors, strict=True):
        listed = int(re.search(re.escape(chapter) + r"[ .]*(\d+)", pages[1]).group(1))
        assert pages[listed - 1].startswith(chapter), chapter
        assert destinations[anchor] == listed - 1, anchor
    # The contents link to every chapter (its text and page number may be several links).
    links = [a.get_object() for a in reader.pages[1]["/Annots"]]
    assert {str(link["/Dest"]) for link in links} == set(anchors)

    whole_outline = [(depth, item.title) for depth, item in flat_outline(whole)]
    entries = [
        (depth, item.title, reader.get_destination_page_number(item))
        for depth, item in flat_outline(parted)
    ]
    assert [(depth, title) for depth, title, _page in entries] == whole_outline
    for _depth, title, page in entries:
        assert title in pages[page], title


def flat_outline(pdf):
    """(depth, item) of each bookmark of `pdf`, in order."""

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                yield from walk(item, depth + 1)
            else:
                yield depth, item

    return list(walk(pypdf.PdfReader(io.BytesIO(pdf)).outline, 0))


def headings(pdf):
    """The heading elements of the structure tree, in reading order."""
    return [
        kind
        for kind, _element, _parent in pdf_ua.structure(pikepdf.open(io.BytesIO(pdf)))
        if re.fullmatch(r"/H[1-6]", kind)
    ]


def test_one_structure_tree_in_reading_order(whole_and_parted):
    """The joined tree has the whole summary's headings in the same order, and every marked
    content of every page is found in the parent tree under an element of that page."""
    whole, parted = whole_and_parted()
    assert headings(parted) == headings(whole)
    pdf = pikepdf.open(io.BytesIO(parted))
    root = pdf.Root.StructTreeRoot
    numbers = root.ParentTree.Nums
    keys = [int(numbers[i]) for i in range(0, len(numbers), 2)]
    assert keys == list(range(len(keys)))
    assert int(root.ParentTreeNextKey) == len(keys)
    tree = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
    document = pdf_ua._kids(root)[0]
    for element in pdf_ua._kids(document):
        assert document == element.P
    for page in pdf.pages:
        marked = [
            int(operands[1].MCID)
            for operands, operator in pikepdf.parse_content_stream(page)
            if str(operator) == "BDC"
            and isinstance(operands[1], pikepdf.Dictionary)
            and "/MCID" in operands[1]
        ]
        elements = tree[int(page.obj.StructParents)]
        for mcid in marked:
            assert elements[mcid].Pg.objgen == page.obj.objgen
    # The parts' pages carry the running heads as one pagination artifact.
    furnished = [page for page in pdf.pages if "/Furniture" in page.Resources.get("/XObject", {})]
    assert len(furnished) >= 3
    for page in furnished:
        form = page.Resources.XObject.Furniture
        operators = {str(op) for _o, op in pikepdf.parse_content_stream(form)}
        assert not operators & {"BDC", "BMC", "EMC"}
        assert b"/Artifact <</Type /Pagination>> BDC" in page.obj.Contents[-1].read_bytes()


def test_parts_fetch_nothing_but_the_fonts(register, settings):
    settings.DOCUMENT_PART_ROWS = 4
    fetcher = documents.RefusingFetcher()
    documents.render("summary", "en", documents.build_snapshot(), fetcher=fetcher)
    assert fetcher.requested
    assert all(
        url.startswith((documents.FONTS.as_uri(), documents.LOGO_DATA)) for url in fetcher.requested
    )


def test_each_font_subset_has_its_own_tag(whole_and_parted):
    """Every piece subsets the same two fonts: in the joined file each subset is named apart
    (ISO 32000-1, 9.6.4), its descriptor and descendant agreeing."""
    _whole, parted = whole_and_parted()
    pdf = pikepdf.open(io.BytesIO(parted))
    fonts = [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type0"
    ]
    assert len(fonts) > 2
    names = [str(font.BaseFont) for font in fonts]
    assert len(set(names)) == len(names), names
    for font in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+Document-Sans(-Bold)?", str(font.BaseFont))
        descendant = font.DescendantFonts[0]
        assert descendant.BaseFont == font.BaseFont == descendant.FontDescriptor.FontName
