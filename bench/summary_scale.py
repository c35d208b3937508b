"""The data-processing summary (PDF) of registers of 1,000 to 50,000 items, beside a plain table.

For each size (cookies and storage items; processors one per 25 items), publishes a release and
renders its Polish summary as the product does (WeasyPrint in a forked child process), and, as
the reference, the same rows as one plain four-column table (name, purpose, retention, provider)
rendered by WeasyPrint in the same way (the project's stylesheet and fonts, tagged PDF/A-3b).
Prints the seconds and the peak memory of the rendering process (resident set, which includes
what it shares with the process it was forked from), per item and as the ratio of the summary to
the reference. Uses bench/summary_scale.sqlite3 unless DATABASE_URL is set. Run from the
project root:

    .venv/bin/python bench/summary_scale.py [--sizes 1000 10000 50000]
"""

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("summary_scale")

from django.db import connection  # noqa: E402
from django.template import engines  # noqa: E402
from django.utils import translation  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from bench.large_register import published_release  # noqa: E402
from compliance import documents, forked  # noqa: E402
from compliance.localize import localize  # noqa: E402
from compliance.models import DocumentKind  # noqa: E402
from compliance.releases import verified_snapshot  # noqa: E402

LANGUAGE = "pl"
PLAIN_TABLE = engines["django"].from_string(
    '<html lang="pl"><body><table class="list"><thead><tr><th>Name</th><th>Purpose</th>'
    "<th>Retention</th><th>Provider</th></tr></thead><tbody>"
    "{% for category, items in groups %}{% for item in items %}<tr><td>{{ item.name }}</td>"
    "<td>{{ item.purpose }}</td><td>{{ item.retention }}</td>"
    "<td>{{ item.provider }}</td></tr>{% endfor %}{% endfor %}</tbody></table></body></html>"
)


def plain_table_pdf(release):
    """The reference: the release's items as one plain table, rendered as the documents are."""
    with translation.override(LANGUAGE):
        groups = localize(verified_snapshot(release), LANGUAGE).tracking_groups
        html = PLAIN_TABLE.render({"groups": groups})
        stylesheet = documents.render_to_string(
            "compliance/pdf/document.css",
            {"fonts": documents.FONTS.as_uri(), "page_counter": documents.page_counter_content()},
        )

    def write_pdf():
        fonts = FontConfiguration()
        return HTML(string=html, base_url=documents.FONTS.as_uri() + "/").write_pdf(
            stylesheets=[CSS(string=stylesheet, font_config=fonts)],
            font_config=fonts,
            pdf_variant="pdf/a-3b",
            pdf_tags=True,
        )

    return forked.run(write_pdf)


def summary_pdf(release):
    return documents.release_document(release, DocumentKind.SUMMARY, LANGUAGE)


def measured(render, release):
    """(seconds, peak MiB of the rendering process, PDF bytes): rendered in a process of its
    own, so that the peak is this rendering's alone."""

    def work():
        start = time.perf_counter()
        pdf = render(release)
        seconds = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return seconds, peak_kib / 1024, len(pdf)

    connection.close()  # the measuring process opens its own (a forked child must not share it)
    return forked.run(work)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    args = parser.parse_args()
    environment.print_machine_speed()
    print("| items | summary | peak memory | per item | plain table | peak memory | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for items in args.sizes:
        release = published_release(items)
        seconds, peak, size = measured(summary_pdf, release)
        plain_seconds, plain_peak, _ = measured(plain_table_pdf, release)
        print(
            f"| {items:,} | {seconds:.1f} s ({size / 1024 / 1024:.1f} MiB) | {peak:.0f} MiB "
            f"| {peak * 1024 / items:.0f} KiB | {plain_seconds:.1f} s | {plain_peak:.0f} MiB "
            f"| {seconds / plain_seconds:.2f}× time, {peak / plain_peak:.2f}× memory |",
            flush=True,
        )


if __name__ == "__main__":
    main()
