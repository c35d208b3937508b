"""What one table cell costs WeasyPrint: the floor under the summary's cookie declaration.

Bare tables of 500 rows, laid out and written the way compliance.documents renders (the
project's stylesheet, landscape pages, PDF/A-3b, tagged, in a forked child with the garbage
collector off), but with ruled cells, the machine's sans-serif font and without the finisher
that serialises each PDF object once, as when bench/README.md's per-cell figures were taken.
Prints the median time per cell over the rounds. Run from the project root:

    .venv/bin/python bench/table_cells.py [--rounds 3]
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("table_cells")

from django.template.loader import render_to_string  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402

from compliance import documents, forked  # noqa: E402

ROWS = 500


def table(columns, cell):
    head = "".join(f"<th>Heading {column}</th>" for column in range(columns))
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(row, column)}</td>" for column in range(columns)) + "</tr>"
        for row in range(ROWS)
    )
    return (
        '<html lang="en"><body><section class="chapter wide"><table class="declaration">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section></body></html>"
    )


def layout_and_write_seconds(html, stylesheet, tagged):
    """Seconds to lay the page out and to write the PDF, as compliance.documents does."""

    def timed():
        start = time.perf_counter()
        document = HTML(string=html).render(
            stylesheets=[CSS(string=stylesheet)], pdf_variant="pdf/a-3b", pdf_tags=tagged
        )
        laid_out = time.perf_counter()
        document.write_pdf(pdf_variant="pdf/a-3b", pdf_tags=tagged)
        written = time.perf_counter()
        return laid_out - start, written - laid_out

    return forked.run(timed)


def main():
    rounds = environment.rounds_argument(__doc__.splitlines()[0], default=3)
    environment.print_machine_speed()
    stylesheet = render_to_string(
        "compliance/pdf/document.css",
        {"fonts": documents.FONTS.as_uri(), "page_counter": documents.page_counter_content()},
    )
    cases = [
        ("7 columns, one line per cell, tagged", 7, lambda r, c: f"cell {r}.{c}", True),
        ("7 columns, one line per cell, untagged", 7, lambda r, c: f"cell {r}.{c}", False),
        ("3 columns, one line per cell, tagged", 3, lambda r, c: f"cell {r}.{c}", True),
        ("7 columns, two lines per cell, tagged", 7, lambda r, c: f"cell {r}.{c}<br>more", True),
    ]
    for name, columns, cell, tagged in cases:
        html = table(columns, cell)
        runs = [layout_and_write_seconds(html, stylesheet, tagged) for _ in range(rounds)]
        layout = statistics.median(run[0] for run in runs)
        write = statistics.median(run[1] for run in runs)
        cells = ROWS * columns
        print(
            f"{name}: {cells} cells, layout {layout:.2f} s + write {write:.2f} s, "
            f"{(layout + write) / cells * 1000:.2f} ms per cell "
            f"({layout / cells * 1000:.2f} + {write / cells * 1000:.2f})"
        )
    environment.print_machine_speed()


if __name__ == "__main__":
    main()
