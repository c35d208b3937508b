"""The site scanner, run with real Chromium against a fixture site on loopback (tests/scan_site.py):
127.0.0.1 is the site, localhost a third-party tracker."""

import asyncio

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings

from compliance import scanner
from compliance.models import (
    Cookie,
    JobState,
    KnownCookie,
    ObservationKind,
    Scan,
    ScanObservation,
    ScanPhase,
    ScanSite,
    StorageType,
    TrackingCategory,
)
from compliance.retention import RetentionKind, RetentionUnit
from compliance.scanner import report
from compliance.scanner.report import FindingKind
from tests import factories
from tests.scan_site import FixtureSite

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixture_site(settings):
    settings.SCANNER_ALLOW_PRIVATE_ADDRESSES = True  # the fixture site is on loopback
    settings.SCANNER_MAX_SECONDS = 120
    with FixtureSite() as site:
        yield site


def register_site(site, **fields):
    values = {
        "name": "Shop",
        "base_url": site.url,
        "pages": "/about",
        "accept_selector": "#accept",
        "reject_selector": "#reject",
        "settle_delay_ms": 500,
        **fields,
    }
    return ScanSite.objects.create(**values)


def declare_register():
    """What the fixture site's owner declared: some of it right, some of it wrong."""
    factories.CookieFactory(name="fp_header", consent_required=False)
    factories.CookieFactory(
        name="_ga_<ID>",
        category=TrackingCategory.STATISTICS,
        consent_required=True,
        retention_value=6,
        retention_unit=RetentionUnit.MONTHS,
    )
    factories.CookieFactory(
        name="marketing_pre", category=TrackingCategory.MARKETING, consent_required=True
    )
    factories.CookieFactory(name="never_set")
    factories.StorageItemFactory(name="fp_local", storage_type=StorageType.LOCAL_STORAGE)


def observed(scan):
    return {(o.phase, o.kind, o.name): o for o in ScanObservation.objects.filter(scan=scan)}


def test_a_scan_finds_everything_the_fixture_site_stores(fixture_site):
    """Cookies by header and by script (late), storage of every kind, third-party cookies from
    an iframe and a pixel, a cookie only after accepting, a page only in the sitemap: all found,
    with their attributes and consent state, never their values."""
    declare_register()
    scan = Scan.objects.create(site=register_site(fixture_site))
    scanner.run(scan)
    seen = observed(scan)
    before = ScanPhase.BEFORE_CONSENT
    header = seen[(before, ObservationKind.COOKIE, "fp_header")]
    assert (header.set_by, header.http_only, header.third_party) == ("header", True, False)
    assert 3000 < header.lifetime_seconds <= 3600
    assert seen[(before, ObservationKind.COOKIE, "fp_script")].set_by == "script"
    assert (before, ObservationKind.SESSION_STORAGE, "fp_session") in seen
    assert (before, ObservationKind.INDEXED_DB, "fp_db") in seen
    assert (before, ObservationKind.LOCAL_STORAGE, "nulkey") in seen  # control character dropped
    for name in ("tp_frame", "tp_pixel"):
        cookie = seen[(before, ObservationKind.COOKIE, name)]
        assert (cookie.domain, cookie.third_party, cookie.set_by) == ("localhost", True, "header")
        assert cookie.same_site == "None" and cookie.secure
    tracker_storage = seen[(before, ObservationKind.LOCAL_STORAGE, "tp_local")]
    assert tracker_storage.domain == "localhost" and tracker_storage.third_party
    assert (before, ObservationKind.REQUEST_HOST, "localhost") in seen
    # Only after "accept all", and reached only through the sitemap.
    assert (ScanPhase.ACCEPTED, ObservationKind.COOKIE, "after_accept") in seen
    assert (before, ObservationKind.COOKIE, "after_accept") not in seen
    assert (ScanPhase.REJECTED, ObservationKind.COOKIE, "after_accept") not in seen
    assert (before, ObservationKind.COOKIE, "hidden_only") in seen
    # Names and attributes only: the model has no field for a value.
    assert "value" not in {f.name for f in ScanObservation._meta.get_fields()}
    scan.refresh_from_db()
    assert scan.pages_total == scan.pages_done == 9  # 3 pages (home, /about, /hidden) x 3 states
    assert scan.pages_failed == []

    findings = report.build(scan)
    by_kind = {}
    for finding in findings:
        by_kind.setdefault(finding.kind, set()).add(finding.name)
    assert findings[0].kind == FindingKind.BEFORE_CONSENT  # violations first
    assert by_kind[FindingKind.BEFORE_CONSENT] == {"marketing_pre"}
    assert by_kind[FindingKind.AFTER_REFUSAL] == {"marketing_pre"}
    assert by_kind[FindingKind.LONGER_THAN_DECLARED] == {"_ga_ABC123"}
    assert {
        "fp_script", "after_accept", "hidden_only", "tp_frame", "tp_pixel", "fp_session",
        "fp_db", "tp_local", "consent",
    } <= by_kind[FindingKind.UNDECLARED]  # fmt: skip
    assert not {"fp_header", "_ga_ABC123", "fp_local"} & by_kind[FindingKind.UNDECLARED]
    assert by_kind[FindingKind.UNKNOWN_HOST] == {"localhost"}
    assert by_kind[FindingKind.NOT_SEEN] == {"never_set"}


def test_private_addresses_are_refused_unless_allowed(settings, run_tasks):
    """Without the setting, a site on loopback is not visited: the scan fails, saying why."""
    settings.SCANNER_ALLOW_PRIVATE_ADDRESSES = False
    site = ScanSite.objects.create(name="Intranet", base_url="http://127.0.0.1:9/")
    scan = scanner.start(site)
    scan.refresh_from_db()
    assert scan.state == JobState.FAILED
    assert "127.0.0.1" in scan.error and "private" in scan.error
    assert scan.observations.count() == 0


def test_every_connection_of_the_browser_passes_the_address_check(fixture_site, monkeypatch):
    """The tracker's host is refused: neither its iframe and pixel nor an image that redirects
    to it (a hop the browser follows by itself) reach it, and the scan names the refusal. Here
    loopback counts as public and "localhost" is the private host, so that one loopback server
    plays both parts."""
    from compliance.scanner import addresses, proxy

    monkeypatch.setattr(addresses, "is_public_ip", lambda address: not address.startswith("10."))
    real_refusal = addresses.address_refusal
    monkeypatch.setattr(
        proxy,
        "address_refusal",
        lambda host, found: real_refusal(host, ["10.0.0.1"] if host == "localhost" else found),
    )
    site = register_site(
        fixture_site, pages="/redirected", use_sitemap=False, accept_selector="", reject_selector=""
    )
    scan = Scan.objects.create(site=site)
    with override_settings(SCANNER_ALLOW_PRIVATE_ADDRESSES=False):
        scanner.run(scan)
    scan.refresh_from_db()
    assert fixture_site.server.hits == {}  # the tracker's pixel was never fetched
    assert any("localhost resolves to 10.0.0.1" in entry for entry in scan.pages_failed)
    assert not any("google" in entry for entry in scan.pages_failed)  # the browser's own traffic
    seen = observed(scan)
    assert (ScanPhase.BEFORE_CONSENT, ObservationKind.COOKIE, "fp_header") in seen
    assert (ScanPhase.BEFORE_CONSENT, ObservationKind.COOKIE, "tp_pixel") not in seen
    assert (ScanPhase.BEFORE_CONSENT, ObservationKind.LOCAL_STORAGE, "tp_local") not in seen


def test_the_proxy_forwards_one_request_per_connection_and_refuses_what_it_must(fixture_site):
    """Plain HTTP: the request goes out and comes back with "Connection: close", whatever the
    browser asked (a second request on the connection could be for another host). CONNECT:
    a tunnel. A private address without the setting, and a malformed request, are answered
    403 and 400."""
    from compliance.scanner.proxy import GuardProxy

    async def exchange(port, data):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(data)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return answer

    async def scenario():
        site = f"127.0.0.1:{fixture_site.port}"
        async with GuardProxy(True) as allowing:
            plain = await exchange(
                allowing.port,
                f"GET http://{site}/about HTTP/1.1\r\nHost: {site}\r\n"
                "Connection: keep-alive\r\n\r\n".encode(),
            )
            reader, writer = await asyncio.open_connection("127.0.0.1", allowing.port)
            writer.write(f"CONNECT {site} HTTP/1.1\r\nHost: {site}\r\n\r\n".encode())
            established = await reader.readuntil(b"\r\n\r\n")
            writer.write(
                f"GET /about HTTP/1.1\r\nHost: {site}\r\nConnection: close\r\n\r\n".encode()
            )
            tunnelled = await asyncio.wait_for(reader.read(), 10)
            writer.close()
            malformed = await exchange(allowing.port, b"nonsense\r\n\r\n")
        async with GuardProxy(False) as refusing:
            private = await exchange(refusing.port, f"CONNECT {site} HTTP/1.1\r\n\r\n".encode())
        return plain, established, tunnelled, malformed, private, refusing.refused

    plain, established, tunnelled, malformed, private, refused = asyncio.run(scenario())
    assert plain.startswith(b"HTTP/1.0 200") and b"About us." in plain
    assert b"Connection: close\r\n" in plain and b"keep-alive" not in plain.lower()
    assert established.startswith(b"HTTP/1.1 200")
    assert b"About us." in tunnelled
    assert malformed.startswith(b"HTTP/1.1 400")
    assert private.startswith(b"HTTP/1.1 403")
    assert refused == {
        "127.0.0.1": "127.0.0.1 resolves to 127.0.0.1, a private or reserved address: refused."
    }


def test_pages_of_another_host_are_refused_when_saving_the_site():
    """A page list may name only the site's own pages."""
    site = ScanSite(
        name="Shop", base_url="https://shop.example/", pages="/about\nhttps://evil.example/"
    )
    with pytest.raises(ValidationError) as refused:
        site.full_clean()
    assert "Line 2" in str(refused.value) and "shop.example" in str(refused.value)
    site.pages = "/about\nfile:///etc/passwd"
    with pytest.raises(ValidationError):
        site.full_clean()
    site.base_url = "ftp://shop.example/"
    site.pages = ""
    with pytest.raises(ValidationError):
        site.full_clean()


def test_a_missing_browser_ends_the_scan_with_a_clear_error(fixture_site, settings, run_tasks):
    """No browser where the setting says: the scan fails at once (no retry), naming the path."""
    settings.SCANNER_CHROMIUM = "/nonexistent/chromium"
    scan = scanner.start(register_site(fixture_site))
    scan.refresh_from_db()
    assert scan.state == JobState.FAILED and scan.attempts == 1
    assert "/nonexistent/chromium" in scan.error


def test_a_tag_loaded_late_gets_the_whole_delay(fixture_site):
    """The site's delay counts from the page's last request, not from its load event: a tag
    fetched 600 ms after loading, storing a key 350 ms after it arrived, is seen with an 800 ms
    delay (counted from loading, the page would have been read at 800 ms, before the key)."""
    site = register_site(
        fixture_site, pages="/late-tag", use_sitemap=False, accept_selector="", reject_selector="",
        settle_delay_ms=800,
    )  # fmt: skip
    scan = Scan.objects.create(site=site)
    scanner.run(scan)
    assert (ScanPhase.BEFORE_CONSENT, ObservationKind.LOCAL_STORAGE, "late_tag") in observed(scan)


def test_a_consent_button_that_is_not_there_fails_the_scan(fixture_site, run_tasks, settings):
    """A wrong selector is reported on the scan, not waited for forever."""
    settings.SCANNER_PAGE_TIMEOUT_SECONDS = 3
    site = register_site(fixture_site, accept_selector="#no-such-button", reject_selector="")
    scan = scanner.start(site)
    scan.refresh_from_db()
    assert scan.state == JobState.FAILED
    assert "#no-such-button" in scan.error


def test_broken_pages_are_listed_and_the_scan_still_reports(fixture_site):
    """A page answering 500 is named on the scan; the others are scanned."""
    site = register_site(
        fixture_site, pages="/broken", use_sitemap=False, accept_selector="", reject_selector=""
    )
    scan = Scan.objects.create(site=site)
    scanner.run(scan)
    scan.refresh_from_db()
    assert len(scan.pages_failed) == 1 and "/broken" in scan.pages_failed[0]
    assert "500" in scan.pages_failed[0]
    assert scan.observations.filter(name="fp_header").exists()


def test_an_undeclared_item_is_added_as_an_unclassified_draft(fixture_site, admin_user):
    """One click adds what the scan found, prefilled from the known-cookie library, left
    unclassified and marked for review; nothing is published."""
    KnownCookie.objects.create(
        ocd_id="x1", name="_ga_", wildcard=True, platform="Google Analytics",
        category="Analytics", retention="2 years", description="Keeps the session state.",
    )  # fmt: skip
    factories.ProcessorFactory(name="Google LLC")
    site = register_site(fixture_site)
    scan = Scan.objects.create(site=site)
    observation = ScanObservation.objects.create(
        scan=scan, phase=ScanPhase.ACCEPTED, kind=ObservationKind.COOKIE, name="_ga_ABC123",
        domain="127.0.0.1", lifetime_seconds=400 * 86400,
    )  # fmt: skip
    row = scanner.add_to_register(observation, admin_user)
    assert isinstance(row, Cookie) and row.name == "_ga_ABC123"
    assert row.category == TrackingCategory.UNCLASSIFIED and row.category_needs_review
    assert (row.retention_kind, row.retention_value, row.retention_unit) == (
        RetentionKind.DURATION, 2, RetentionUnit.YEARS,
    )  # fmt: skip
    assert row.description == "Keeps the session state."
    from compliance.models import Release

    assert not Release.objects.exists()


def test_scan_site_command_prints_the_findings(fixture_site, capsys):
    """`manage.py scan_site SITE` scans now, prints each finding and exits 1 on a violation."""
    factories.CookieFactory(
        name="marketing_pre", category=TrackingCategory.MARKETING, consent_required=True
    )
    register_site(fixture_site, accept_selector="", reject_selector="", use_sitemap=False)
    with pytest.raises(SystemExit) as exit_code:
        call_command("scan_site", "Shop")
    assert exit_code.value.code == 1
    out = capsys.readouterr().out
    assert "[violation]" in out and "marketing_pre" in out
    assert "tp_frame (localhost)" in out


def test_scan_site_command_names_the_sites_when_one_is_unknown():
    """A wrong site name is an error listing the registered ones."""
    ScanSite.objects.create(name="Shop", base_url="https://shop.example/")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Shop"):
        call_command("scan_site", "Nope")


def test_due_sites_are_queued_once(settings):
    """A site with a schedule is scanned when due, and not again while a scan is pending."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    site = ScanSite.objects.create(name="Shop", base_url="https://shop.example/", scan_every_days=7)
    ScanSite.objects.create(name="Manual", base_url="https://manual.example/")
    first = scanner.queue_due_scans()
    assert [scan.site for scan in first] == [site]
    assert scanner.queue_due_scans() == []  # scanned less than 7 days ago
    assert scanner.start(site) == first[0]  # still queued: the same scan, no second one
    assert Scan.objects.count() == 1


def finished_scan(site_url="https://shop.example/"):
    """A finished scan with an undeclared cookie (a hostile name), a declared one set before
    consent, and a host of no declared provider."""
    factories.CookieFactory(
        name="marketing_pre", category=TrackingCategory.MARKETING, consent_required=True
    )
    site = ScanSite.objects.create(name="Shop", base_url=site_url)
    scan = Scan.objects.create(site=site, state=JobState.DONE)
    before = ScanPhase.BEFORE_CONSENT
    ScanObservation.objects.bulk_create(
        [
            ScanObservation(scan=scan, phase=before, kind="cookie", name="marketing_pre",
                            domain="shop.example"),
            ScanObservation(scan=scan, phase=before, kind="cookie",
                            name='<script>alert("x")</script>', domain="shop.example"),
            ScanObservation(scan=scan, phase=before, kind="host", name="tracker.example",
                            domain="tracker.example", third_party=True),
            *[
                ScanObservation(scan=scan, phase=before, kind="local_storage", name=f"key_{n}",
                                domain="shop.example")
                for n in range(40)
            ],
        ]
    )  # fmt: skip
    return scan


def test_scan_now_queues_a_scan_for_editors_only(login, settings):
    """Editors start a scan with one POST (never a GET) and land on its report; viewers may
    not; a second click while it is queued does not queue another."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    site = ScanSite.objects.create(name="Shop", base_url="https://shop.example/")
    url = f"/admin/compliance/scansite/{site.pk}/scan/"
    viewer = login("viewer")
    assert viewer.post(url).status_code == 403
    editor = login("editor")
    assert editor.get(url).status_code == 405
    response = editor.post(url)
    scan = Scan.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/scan/{scan.pk}/change/")
    editor.post(url)
    assert Scan.objects.count() == 1
    page = editor.get(response.url)
    assert page.status_code == 200 and 'http-equiv="refresh"' in page.content.decode()


def test_the_report_lists_findings_escaped_and_offers_to_add_them(
    login, django_assert_max_num_queries
):
    """Violations first, every name escaped, an "add" button for editors only, and a bounded
    number of queries whatever the number of observations."""
    scan = finished_scan()
    editor = login("editor")
    with django_assert_max_num_queries(25):
        page = editor.get(f"/admin/compliance/scan/{scan.pk}/change/").content.decode()
    assert page.index('data-kind="before_consent"') < page.index('data-kind="undeclared"')
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'data-kind="unknown_host"' in page and "tracker.example" in page
    assert page.count("Add to the register as a draft") == 41
    viewer = login("viewer")
    assert (
        "Add to the register as a draft"
        not in viewer.get(f"/admin/compliance/scan/{scan.pk}/change/").content.decode()
    )


def test_adding_from_the_report_needs_the_add_permission(login):
    """A viewer's POST is refused; an editor's adds the row and opens it."""
    scan = finished_scan()
    observation = scan.observations.get(name="key_0")
    url = f"/admin/compliance/scan/{scan.pk}/add/{observation.pk}/"
    assert login("viewer").post(url).status_code == 403
    response = login("editor").post(url)
    from compliance.models import StorageItem

    item = StorageItem.objects.get(name="key_0")
    assert response.status_code == 302 and response.url.endswith(f"/{item.pk}/change/")
    assert item.category == TrackingCategory.UNCLASSIFIED and item.category_needs_review


def test_scan_findings_join_the_dashboard(admin_client):
    """The latest finished scan's findings are checks of the health report, linked to it."""
    scan = finished_scan()
    scan.findings = report.summary(report.build(scan))
    scan.save()
    page = admin_client.get("/admin/").content.decode()
    assert 'data-check="scan_before_consent"' in page
    assert f"/admin/compliance/scan/{scan.pk}/change/" in page
    assert "Shop: marketing_pre" in page


def test_the_cookie_page_says_when_the_site_was_last_checked(client):
    """A finished scan puts its date on the public cookie page (in the page's language), with a
    new ETag and Last-Modified there; the other pages stay as they were."""
    import datetime

    from django.utils import timezone

    from compliance import public, releases

    factories.CookieFactory(name="session")
    releases.publish(note="First")
    before = client.get("/en/cookies/")
    privacy_tag = client.get("/en/privacy/")["ETag"]
    assert 'id="last-checked"' not in before.content.decode()
    site = ScanSite.objects.create(name="Shop", base_url="https://shop.example/")
    finished = timezone.now() + datetime.timedelta(minutes=5)
    Scan.objects.create(site=site, state=JobState.DONE, finished_at=finished)
    public.forget()
    after = client.get("/pl/cookies/")
    page = after.content.decode()
    assert 'id="last-checked"' in page and "porównano" in page
    english = client.get("/en/cookies/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert english.status_code == 200 and english["ETag"] != before["ETag"]
    assert english["Last-Modified"] != before["Last-Modified"]
    assert client.get("/en/privacy/")["ETag"] == privacy_tag


def test_the_download_limit_stops_everything_but_pages(fixture_site, settings):
    """Past the limit, images and scripts are no longer fetched (the tracker's pixel on the
    later pages is not), while pages still are."""
    settings.SCANNER_MAX_MEGABYTES = 0
    settings.SCANNER_CONCURRENCY = 1
    site = register_site(
        fixture_site, pages="/page/1\n/page/2\n/page/3", accept_selector="", reject_selector="",
        use_sitemap=False,
    )  # fmt: skip
    scan = Scan.objects.create(site=site)
    scanner.run(scan)
    scan.refresh_from_db()
    assert scan.pages_done == 4
    refused = [entry for entry in scan.pages_failed if "download limit" in entry]
    assert refused and len(refused) == len(scan.pages_failed)  # no page failed, requests did
    # The first page's pixel may leave before its page's size is known; none after it.
    assert fixture_site.server.hits.get("/pixel.gif", 0) <= 1
