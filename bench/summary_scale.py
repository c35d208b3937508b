"""The data-processing summary (PDF) of registers of 1,000 to 50,000 items, beside a plain table.

For each size (cookies and storage items; processors one per 25 items), publishes a release and
renders its Polish summary as the product does (WeasyPrint in forked child processes; a
declaration of more than DOCUMENT_PART_ROWS rows in parts, joined: compliance/document_parts.py),
and, as the reference, the same rows as one plain four-column table (name, purpose, retention,
provider) rendered by WeasyPrint in one piece (the project's stylesheet and fonts, tagged
PDF/A-3b). Each rendering runs in a fresh process, as in a worker, and its memory is that
process's and all its children's, summed every 20 ms: the resident sum counts the memory a
child shares with its parent once per process (an upper bound), the proportional sum (PSS)
divides it among them (the memory actually taken). Uses bench/summary_scale.sqlite3 unless
DATABASE_URL is set. Run from the project root:

    .venv/bin/python bench/summary_scale.py [--sizes 1000 10000 50000] [--no-reference]
"""

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("summary_scale")

from django.conf import settings  # noqa: E402
from django.template import engines  # noqa: E402
from django.utils import translation  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from bench.large_register import published_release  # noqa: E402
from compliance import documents, forked  # noqa: E402
from compliance.localize import localize  # noqa: E402
from compliance.models import DocumentKind, Release  # noqa: E402
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


def tree_memory(pid):
    """(resident, proportional) set sizes in KiB of process `pid` and all its descendants: the
    summary renders its parts in child processes, two at a time. The resident sum counts the
    pages they share with their parent once per process (an upper bound); the proportional sum
    divides each shared page among its sharers."""
    resident = proportional = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Rss:"):
                        resident += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        proportional += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
    return resident, proportional


def render_in_this_process(what, release_number):
    """Render `what` ("summary" or "plain") of release `release_number`; print its seconds and
    size as JSON (run by measured() in a fresh process)."""
    release = Release.objects.get(number=release_number)
    render = summary_pdf if what == "summary" else plain_table_pdf
    start = time.perf_counter()
    pdf = render(release)
    print(json.dumps([time.perf_counter() - start, len(pdf)]), flush=True)


def measured(what, release):
    """(seconds, peak MiB resident, peak MiB proportional, PDF bytes) of rendering `what`, in a
    fresh process as a worker renders it (not one holding what building the register left
    behind), its memory and its children's summed every 20 ms while it runs."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--render", what, "--release", str(release.number)],
        stdout=subprocess.PIPE,
    )
    peaks = [0, 0]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peaks[:] = map(max, peaks, tree_memory(process.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"Rendering the {what} failed (exit status {process.returncode}).")
    seconds, size = json.loads(output.decode().strip().splitlines()[-1])
    return seconds, peaks[0] / 1024, peaks[1] / 1024, size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the plain table (minutes at 50,000)"
    )
    parser.add_argument("--render", choices=["summary", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--release", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render:
        return render_in_this_process(args.render, args.release)
    environment.print_machine_speed()
    print(
        f"| items | summary (parts of {settings.DOCUMENT_PART_ROWS:,} rows, "
        f"{settings.DOCUMENT_RENDERING_PROCESSES} at a time) | peak resident | peak proportional "
        "| proportional per item | plain table | peak resident | peak proportional |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for items in args.sizes:
        release = published_release(items)
        seconds, resident, proportional, size = measured("summary", release)
        print(
            f"| {items:,} | {seconds:.1f} s ({size / 1024 / 1024:.1f} MiB) | {resident:.0f} MiB "
            f"| {proportional:.0f} MiB | {proportional * 1024 / items:.0f} KiB ",
            end="",
            flush=True,
        )
        if args.no_reference:
            print("| not measured | | |", flush=True)
            continue
        plain_seconds, plain_resident, plain_proportional, _ = measured("plain", release)
        print(
            f"| {plain_seconds:.1f} s | {plain_resident:.0f} MiB | {plain_proportional:.0f} MiB |",
            flush=True,
        )


if __name__ == "__main__":
    main()
