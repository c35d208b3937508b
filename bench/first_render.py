"""First render of each public page of a large release, as a fresh worker process makes it.

For registers of 1,000, 10,000 and 50,000 cookies and storage items (40, 400 and 2,000
processors), publishes a release and then, with the process's caches emptied: reads the release
and checks its content hash and takes its public view (once per release and process), then
renders the Polish privacy, sub-processor and cookie pages. Beside them, the reference: Django's
template engine rendering a plain table of the same items (name and purpose, one row each). Uses
bench/first_render.sqlite3 unless DATABASE_URL is set. Run from the project root:

    .venv/bin/python bench/first_render.py [--sizes 1000 10000 50000]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("first_render")

from django.template import engines  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from bench.large_register import published_release  # noqa: E402
from compliance import public  # noqa: E402
from compliance.localize import localize  # noqa: E402

PAGES = ("privacy", "subprocessors", "cookies")
LANGUAGE = "pl"
PLAIN_TABLE = engines["django"].from_string(
    "<table>{% for category, items in groups %}{% for item in items %}"
    "<tr><td>{{ item.name }}</td><td>{{ item.purpose }}</td></tr>"
    "{% endfor %}{% endfor %}</table>"
)


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def measure(release, rounds):
    today = timezone.localdate()
    figures = {"load": [], "reference": [], **{page: [] for page in PAGES}}
    sizes = {}
    for _ in range(rounds):
        public.forget()
        seconds, view = timed(lambda: public.snapshot_of(release))
        figures["load"].append(seconds)
        for page in PAGES:
            seconds, body = timed(
                lambda page=page: public.published_page(release, page, LANGUAGE, today)
            )
            figures[page].append(seconds)
            sizes[page] = len(body)
        with translation.override(LANGUAGE):
            groups = localize(view, LANGUAGE).tracking_groups
            seconds, _html = timed(lambda groups=groups: PLAIN_TABLE.render({"groups": groups}))
        figures["reference"].append(seconds)
    return {name: statistics.median(values) for name, values in figures.items()}, sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    environment.print_machine_speed()
    print(
        "| items | load and public view | privacy | sub-processors | cookies (size) | plain table |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for items in args.sizes:
        release = published_release(items)
        figures, sizes = measure(release, args.rounds)
        print(
            f"| {items:,} | {figures['load']:.2f} s | {figures['privacy']:.2f} s "
            f"| {figures['subprocessors']:.2f} s "
            f"| {figures['cookies']:.2f} s ({sizes['cookies'] / 1024 / 1024:.1f} MiB) "
            f"| {figures['reference']:.2f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
