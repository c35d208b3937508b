"""The site scanner: what a registered site stores in a real browser, compared with the register.

- addresses.py: which addresses may be visited, and which hosts are the site's own;
- browser.py: the visit itself (Playwright on Debian's Chromium), no database;
- proxy.py: the only way from that browser to the network, checking every address;
- report.py: the findings, from the observations, the register and the known-cookie library.

This module plans a scan, runs the browser in its own thread while keeping the scan's progress
in the database, and stores the observations. It never changes the register: a draft row is
added only when a person asks for it (add_to_register).
"""

import datetime
import queue
import re
import threading
import time
import urllib.request
from urllib.parse import urljoin

import reversion
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from compliance.models import (
    Cookie,
    JobState,
    ObservationKind,
    Processor,
    Scan,
    ScanObservation,
    ScanPhase,
    ScanSite,
    StorageItem,
    TrackingCategory,
)
from compliance.retention import parse_retention_text
from compliance.sanitize import remove_controls
from compliance.scanner import browser, report
from compliance.scanner.addresses import host_of, parse_page_list, refusal

SITEMAP_MAX_BYTES = 2 * 1024 * 1024


class RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead past the address check to a private address: not followed."""

    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECTS = urllib.request.build_opener(RefuseRedirects)
LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)


class ScanRefused(Exception):
    """The site's settings cannot work (a page that is not the site's, a private address):
    trying again cannot help."""


def sitemap_pages(site):
    """Pages of the site's /sitemap.xml (same host only), or [] when it has none."""
    url = urljoin(site.base_url, "/sitemap.xml")
    if refusal(url, settings.SCANNER_ALLOW_PRIVATE_ADDRESSES):
        return []
    try:
        with NO_REDIRECTS.open(url, timeout=15) as response:
            if response.status != 200:
                return []
            content = response.read(SITEMAP_MAX_BYTES + 1)
    except (OSError, ValueError):
        return []
    if len(content) > SITEMAP_MAX_BYTES:
        return []
    text = content.decode("utf-8", "replace")
    host = host_of(site.base_url)
    return [loc for loc in LOC.findall(text) if host_of(loc) == host][:1000]


def pages_to_visit(site):
    try:
        pages = parse_page_list(site.base_url, site.pages)
    except ValueError as error:
        raise ScanRefused(str(error)) from None
    if site.use_sitemap:
        for url in sitemap_pages(site):
            if url not in pages:
                pages.append(url)
    return pages[: site.page_limit]


def phases(site):
    """Without consent always; after accepting and after rejecting when the banner's button
    for it is known."""
    chosen = [ScanPhase.BEFORE_CONSENT]
    if site.accept_selector:
        chosen.append(ScanPhase.ACCEPTED)
    if site.reject_selector:
        chosen.append(ScanPhase.REJECTED)
    return chosen


def run(scan):
    """Visit the site in each phase and store what was seen (the scan's work, in a task)."""
    site = scan.site
    reason = refusal(site.base_url, settings.SCANNER_ALLOW_PRIVATE_ADDRESSES)
    if reason:
        raise ScanRefused(reason)
    pages = pages_to_visit(site)
    chosen = phases(site)
    plan = browser.Plan(
        site_url=site.base_url,
        pages=pages,
        phases=[str(phase) for phase in chosen],
        accept_selector=site.accept_selector,
        reject_selector=site.reject_selector,
        settle_ms=site.settle_delay_ms,
        concurrency=settings.SCANNER_CONCURRENCY,
        page_timeout_ms=settings.SCANNER_PAGE_TIMEOUT_SECONDS * 1000,
        allow_private=settings.SCANNER_ALLOW_PRIVATE_ADDRESSES,
        chromium=settings.SCANNER_CHROMIUM,
        extra_args=list(settings.SCANNER_CHROMIUM_ARGS),
        deadline=time.monotonic() + settings.SCANNER_MAX_SECONDS,
        max_bytes=settings.SCANNER_MAX_MEGABYTES * 1024 * 1024,
    )
    Scan.objects.filter(pk=scan.pk).update(pages_total=len(pages) * len(chosen), pages_done=0)
    observations, failed = _collect_with_progress(scan, plan)
    with transaction.atomic():
        ScanObservation.objects.filter(scan=scan).delete()  # an earlier attempt's
        ScanObservation.objects.bulk_create(
            ScanObservation(scan=scan, **stored(observation)) for observation in observations
        )
        Scan.objects.filter(pk=scan.pk).update(pages_failed=failed[:200])
    visits_failed = [entry for entry in failed if entry.split(": ", 1)[0] in pages]
    if visits_failed and len(visits_failed) == len(pages) * len(chosen):
        raise browser.BrowserFailed(
            gettext("No page could be loaded: %(first)s") % {"first": visits_failed[0]}
        )
    Scan.objects.filter(pk=scan.pk).update(findings=report.summary(report.build(scan)))


def stored(observation):
    """An observation's fields as stored: a site chooses its names, and a storage key may hold
    control characters (NUL included, which PostgreSQL refuses in text): they are dropped."""
    fields = vars(observation).copy()
    for name in ("name", "domain", "path", "page_url"):
        fields[name] = remove_controls(fields[name])
    return fields


def _collect_with_progress(scan, plan):
    """Runs the browser in a thread of its own; this thread writes the progress."""
    events = queue.Queue()
    outcome = {}

    def work():
        try:
            outcome["result"] = browser.collect(plan, events.put)
        except BaseException as error:  # handed to the scan's thread, which reports it
            outcome["error"] = error

    thread = threading.Thread(target=work, name=f"scan-{scan.pk}", daemon=True)
    thread.start()
    done, failed = 0, []
    while thread.is_alive() or not events.empty():
        try:
            _event, url, error = events.get(timeout=0.5)
        except queue.Empty:
            continue
        done += 1
        if error:
            failed.append(f"{url}: {error}")
        Scan.objects.filter(pk=scan.pk).update(pages_done=done)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    observations, refused = outcome["result"]
    # Requests the scan refused (or found after a redirect) are listed with the failed pages.
    return observations, failed + list(dict.fromkeys(refused))


def start(site, user=None):
    """Queue a scan of `site` (none when one is already queued or running); returns it."""
    from compliance import tasks

    with transaction.atomic():
        ScanSite.objects.select_for_update().filter(pk=site.pk).first()
        pending = site.scans.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).first()
        if pending is not None:
            return pending
        scan = Scan.objects.create(site=site, requested_by=user)
    task_id = tasks.enqueue(tasks.run_scan, scan.pk)
    Scan.objects.filter(pk=scan.pk).update(task_id=task_id)
    return scan


def queue_due_scans(now=None):
    """Queue a scan of every site whose schedule says it is due; returns them."""
    now = now or timezone.now()
    queued = []
    scheduled = ScanSite.objects.filter(scan_every_days__isnull=False).annotate(
        last=Max("scans__queued_at")
    )
    for site in scheduled:  # one query for all sites: every worker asks every few seconds
        if site.last is None or now - site.last >= datetime.timedelta(days=site.scan_every_days):
            queued.append(start(site))
    return queued


def last_checked():
    """When the declaration was last compared with a site: the latest finished scan's end."""
    return (
        Scan.objects.filter(state=JobState.DONE)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )


def add_to_register(observation, user):
    """A draft register row for an undeclared observation, prefilled from the known-cookie
    library, unclassified and marked for review; returns it. Nothing is published."""
    known = report.known_for(observation.name, report.known_library())
    if observation.kind == ObservationKind.COOKIE:
        row = Cookie(name=observation.name)
    elif observation.kind in report.STORAGE_KINDS:
        row = StorageItem(
            name=observation.name, storage_type=report.STORAGE_KINDS[observation.kind]
        )
    else:
        raise ValueError(observation.kind)
    row.domain = observation.domain.lstrip(".") if observation.third_party else ""
    row.category = TrackingCategory.UNCLASSIFIED
    row.category_needs_review = True
    row.consent_required = True
    if known:
        row.description = known["description"][:5000]
        kind, value, unit, note, needs_review = parse_retention_text(known["retention"])
        row.retention_kind, row.retention_value, row.retention_unit = kind, value, unit
        row.retention_note = note
        row.retention_needs_review = needs_review
        if known["provider"]:
            row.provider = Processor.objects.filter(name=known["provider"]).first()
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(
            gettext("Added from the scan of %(site)s") % {"site": observation.scan.site.name}
        )
        row.full_clean()
        row.save()
    return row
