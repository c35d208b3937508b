"""The data-processing summary of a large register, rendered in parts and joined.

WeasyPrint lays out every page of a document before it writes the first and keeps every box
until then: the summary of 10,000 items took 1.4 GB and 68 s in one piece. Its declaration
(chapter 4, nearly all of it at that size) is therefore rendered in parts of
DOCUMENT_PART_ROWS rows, each in a forked child process (DOCUMENT_RENDERING_PROCESSES at a
time) that gives its memory back when it ends. The rest of the summary (the frame) is rendered
once the parts' page counts are known, with one empty page in the declaration's place for
each page of the parts: its contents page then numbers the chapters after the declaration
rightly, and those empty pages carry the running heads and "Page X of Y" that the parts
(rendered without them) get when compliance.pdf_join puts them in their places.

A part ends with its last row, so the declaration takes a few more pages than in one piece (at
most one partly filled page per part); a table cut between two parts continues on the next
page with its heading row repeated, as it does at any page break.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from compliance import forked, pdf_join

PART_TEMPLATE = "compliance/pdf/declaration_part.html"
# The anchors of the declaration and of the chapter after it in summary.html.
DECLARATION, NEXT_CHAPTER = "declaration", "policy"


@dataclass
class RenderedPart:
    """What a child process sends back: the PDF and what joining it needs."""

    pdf: bytes
    page_count: int
    # [(level, label, page index, x, y, state)], in PDF points from the page's bottom left.
    bookmarks: list
    # {anchor: index of the page where it starts}
    anchors: dict
    requested: list = field(default_factory=list)


def whole(declaration_tables):
    """The declaration's sections for a summary rendered in one piece."""
    return [(category, tables, False) for category, tables in declaration_tables]


def split(declaration_tables, rows_per_part):
    """The declaration in parts of at most `rows_per_part` rows: [[(category, tables,
    continued)]], a table cut where a part is full. One part (or none) when it fits in one."""
    parts, current, room = [], [], rows_per_part
    for category, tables in declaration_tables:
        section_tables, continued = [], False
        for table in tables:
            items = table["items"]
            while items:
                if room == 0:
                    if section_tables:
                        current.append((category, section_tables, continued))
                        section_tables, continued = [], True
                    parts.append(current)
                    current, room = [], rows_per_part
                taken, items = items[:room], items[room:]
                section_tables.append({**table, "items": taken})
                room -= len(taken)
        if section_tables:
            current.append((category, section_tables, continued))
    if current:
        parts.append(current)
    return parts


def render(context, stylesheet, part_stylesheet, parts, write_pdf, frame_template):
    """The summary's PDF bytes and the URLs its renderings asked for: the declaration's `parts`
    rendered by `write_pdf(html, stylesheet)` (a RenderedPart) in child processes, the frame
    around them likewise, then joined (in a child too: joining touches every object)."""
    language = translation.get_language()

    def part_work(index, sections):
        def work():
            with translation.override(language):
                html = render_to_string(
                    PART_TEMPLATE, {**context, "sections": sections, "first_part": index == 0}
                )
            return write_pdf(html, part_stylesheet)

        return work

    rendered_parts = forked.run_many(
        [part_work(index, sections) for index, sections in enumerate(parts)],
        processes=settings.DOCUMENT_RENDERING_PROCESSES,
    )
    declaration_pages = sum(part.page_count for part in rendered_parts)
    html = render_to_string(
        frame_template, {**context, "declaration_pages": range(declaration_pages)}
    )
    frame = forked.run(lambda: write_pdf(html, stylesheet))
    first_page = frame.anchors[DECLARATION]
    if frame.anchors[NEXT_CHAPTER] != first_page + declaration_pages:
        # Never expected: the parts would not land where the contents say they are.
        raise RuntimeError(
            f"The summary's frame kept {frame.anchors[NEXT_CHAPTER] - first_page} pages for "
            f"a declaration of {declaration_pages}."
        )
    pdf = forked.run(lambda: pdf_join.join(frame, first_page, rendered_parts))
    requested = [url for part in (frame, *rendered_parts) for url in part.requested]
    return pdf, requested
