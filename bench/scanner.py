"""The site scanner on 50 pages (issue 18's figure): the fixture site of the tests
(tests/scan_site.py: cookies by header and script, storage, an iframe and a pixel of a
third-party host) served on loopback with 50 pages by a process of its own, scanned before
consent, after accepting and after rejecting, 2 pages at a time. Prints the time and the peak
memory of the scan: this process plus its browser processes (not the fixture site's), summed as
proportional set size (shared pages counted once), sampled every 50 ms. Uses
bench/scanner.sqlite3 unless DATABASE_URL is set. Run from the project root:

    .venv/bin/python bench/scanner.py [--pages 50] [--concurrency 2] [--no-banner]
"""

import argparse
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

os.environ.setdefault("SCANNER_ALLOW_PRIVATE_ADDRESSES", "1")  # the fixture site is on loopback
environment.setup("scanner")

from django.core.management import call_command  # noqa: E402

from compliance import scanner  # noqa: E402
from compliance.models import Scan, ScanSite  # noqa: E402
from tests.scan_site import FixtureSite  # noqa: E402


def descendants(pid):
    """`pid` and every process below it."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def pss_bytes(pids):
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class PeakMemory(threading.Thread):
    def __init__(self, exclude):
        super().__init__(daemon=True)
        self.peak = 0
        self.exclude = exclude  # the fixture site's process: not the scanner's memory
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.05):
            pids = [pid for pid in descendants(os.getpid()) if pid != self.exclude]
            self.peak = max(self.peak, pss_bytes(pids))


def serve_fixture_site(port_pipe, stop):
    """The fixture site in a process of its own, as a scanned site is: its work is not the
    scanner's (nor counted in the scanner's memory)."""
    with FixtureSite() as site:
        port_pipe.send(site.url)
        stop.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--no-banner", action="store_true", help="no accept/reject selectors: one consent state"
    )
    arguments = parser.parse_args()
    from django.conf import settings

    settings.SCANNER_CONCURRENCY = arguments.concurrency
    call_command("migrate", verbosity=0)
    receiving, sending = multiprocessing.Pipe(duplex=False)
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=serve_fixture_site, args=(sending, stop), daemon=True)
    server.start()
    site_url = receiving.recv()
    try:
        pages = "\n".join(f"/page/{n}" for n in range(1, arguments.pages))
        scanned, _created = ScanSite.objects.update_or_create(
            name="Bench shop",
            defaults={
                "base_url": site_url,
                "pages": pages,
                "use_sitemap": False,
                "page_limit": arguments.pages,
                "accept_selector": "" if arguments.no_banner else "#accept",
                "reject_selector": "" if arguments.no_banner else "#reject",
                "settle_delay_ms": 500,
            },
        )
        scan = Scan.objects.create(site=scanned)
        memory = PeakMemory(exclude=server.pid)
        memory.start()
        start = time.perf_counter()
        scanner.run(scan)
        elapsed = time.perf_counter() - start
        memory.stopping.set()
        memory.join()
    finally:
        stop.set()
        server.join(10)
    scan.refresh_from_db()
    states = 1 if arguments.no_banner else 3
    print(
        f"scan of {arguments.pages} pages x {states} consent states, {arguments.concurrency} at a "
        f"time: {elapsed:.1f} s, peak memory {memory.peak / 2**20:.0f} MiB (PSS, Python and "
        f"Chromium), {scan.pages_done} page visits, {len(scan.pages_failed)} failed, "
        f"{scan.observations.count()} observations"
    )


if __name__ == "__main__":
    main()
