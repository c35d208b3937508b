"""The consent banners in real Chromium with the real libraries (pinned in package.json):
vanilla-cookieconsent 3 and Klaro 0.7 configured by /embed/consent.js from the release, on a
registered site's page served from another origin."""

import contextlib
import shutil
import tempfile
import threading
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from playwright.sync_api import expect

from compliance.demo import load_demo
from compliance.models import ConsentRecord, ScanSite, TrackingCategory
from compliance.releases import publish
from tests import factories
from tests.test_browser import browser, sync_orm_beside_playwright  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

MODULES = Path(__file__).resolve().parent.parent / "node_modules"
LIBRARIES = {
    "cookieconsent": (
        '<link rel="stylesheet" href="/lib/cookieconsent.css">'
        '<script src="/lib/cookieconsent.umd.js"></script>'
    ),
    "klaro": '<script src="/lib/klaro.js" data-config="none"></script>',
}
# Set by the site before any choice: two need consent (one named by a pattern), one does not.
COOKIES = (
    'document.cookie = "ssupp.visits=1; path=/";'
    'document.cookie = "SL_C_abc123_SID=1; path=/";'
    'document.cookie = "ssupp.vid=1; path=/";'
)


@pytest.fixture
def shop(live_server):
    """A registered site on another origin whose pages load a banner library and our loader;
    /cookieconsent.html and /klaro.html, in Polish."""
    root = Path(tempfile.mkdtemp())
    (root / "lib").mkdir()
    for source in (
        MODULES / "vanilla-cookieconsent/dist/cookieconsent.umd.js",
        MODULES / "vanilla-cookieconsent/dist/cookieconsent.css",
        MODULES / "klaro/dist/klaro.js",
    ):
        shutil.copy(source, root / "lib" / source.name)
    for library, tags in LIBRARIES.items():
        (root / f"{library}.html").write_text(
            '<!DOCTYPE html><html lang="pl"><head><meta charset="utf-8"><title>Sklep</title>'
            f"<script>{COOKIES}</script>{tags}</head><body><h1>Sklep</h1>"
            f'<script src="{live_server.url}/embed/consent.js" data-library="{library}" '
            'data-hide-from-bots="false" defer></script></body></html>',
            encoding="utf-8",
        )

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    load_demo()
    ScanSite.objects.create(name="Sklep", base_url=url + "/")
    publish(note="First")
    yield url
    server.shutdown()
    shutil.rmtree(root)


@pytest.fixture
def context(browser):  # noqa: F811 (the fixture imported above)
    context = browser.new_context(locale="pl-PL")
    yield context
    context.close()


def cookie_names(context):
    return {cookie["name"] for cookie in context.cookies()}


@contextlib.contextmanager
def consent_posted(page):
    """Waits, after the block (a click), for the banner's record to be answered 204. The test
    reads the records only then: SQLite's shared in-memory test database refuses a write
    while another thread reads the table, so polling it could fail the server's insert."""

    def is_record(response):
        return response.url.endswith("/api/v1/consent") and response.request.method == "POST"

    with page.expect_response(is_record) as answer:
        yield
    assert answer.value.status == 204


def records(count):
    found = list(ConsentRecord.objects.order_by("pk"))
    assert len(found) == count
    return found


def test_cookieconsent_shows_the_polish_table_and_rejecting_clears_cookies(context, shop):
    page = context.new_page()
    page.goto(f"{shop}/cookieconsent.html")
    banner = page.locator("#cc-main .cm")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Odrzuć wszystkie")
    page.get_by_role("button", name="Zarządzaj preferencjami").click()
    preferences = page.locator("#cc-main .pm")
    expect(preferences).to_be_visible()
    expect(preferences).to_contain_text("ssupp_<CHAT_KEY>")  # literally, not as a tag
    expect(preferences).to_contain_text("6 miesięcy")
    assert {"ssupp.visits", "SL_C_abc123_SID", "ssupp.vid"} <= cookie_names(context)
    with consent_posted(page):
        preferences.get_by_role("button", name="Odrzuć wszystkie").click()
    expect(preferences).to_be_hidden()
    names = cookie_names(context)
    assert "ssupp.visits" not in names and "SL_C_abc123_SID" not in names  # pattern-named too
    assert "ssupp.vid" in names  # necessary: kept
    (record,) = records(1)
    assert record.accepted == ["necessary"]
    assert set(record.rejected) == {"marketing", "statistics", "preferences"}
    assert (record.release_number, record.language) == (1, "pl")
    consent_id = page.evaluate("() => CookieConsent.getCookie('consentId')")
    assert str(record.consent_id) == consent_id


def test_cookieconsent_accepting_is_recorded_and_a_new_release_asks_again(context, shop):
    page = context.new_page()
    page.goto(f"{shop}/cookieconsent.html")
    with consent_posted(page):
        page.locator("#cc-main .cm").get_by_role("button", name="Zaakceptuj wszystkie").click()
    (record,) = records(1)
    assert set(record.accepted) == {"necessary", "preferences", "statistics", "marketing"}
    assert record.release_number == 1 and record.rejected == []
    page.reload()
    page.evaluate("() => window.gdprConsent.ready")
    expect(page.locator("#cc-main .cm")).to_be_hidden()  # answered: not asked again
    factories.CookieFactory(
        name="_new_tracker", category=TrackingCategory.MARKETING, consent_required=True
    )
    publish(note="Second")
    page.reload()
    expect(page.locator("#cc-main .cm")).to_be_visible()  # a new declaration: asked again
    with consent_posted(page):
        page.locator("#cc-main .cm").get_by_role("button", name="Zaakceptuj wszystkie").click()
    assert records(2)[1].release_number == 2


def test_klaro_shows_the_services_and_declining_clears_cookies(context, shop):
    page = context.new_page()
    page.goto(f"{shop}/klaro.html")
    notice = page.locator(".klaro .cookie-notice")
    expect(notice).to_be_visible()
    notice.get_by_role("link", name="Pozwól mi wybrać").click()
    modal = page.locator(".klaro .cookie-modal")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("Smartlook.com, s.r.o.")
    expect(modal).to_contain_text("ssupp_<CHAT_KEY>")  # literally: Klaro escapes plain text
    with consent_posted(page):
        modal.get_by_role("button", name="Odrzuć wszystkie").click()
    names = cookie_names(context)
    assert "ssupp.visits" not in names and "SL_C_abc123_SID" not in names
    assert "ssupp.vid" in names  # a required service's cookie
    (record,) = records(1)
    assert "statistics" in record.rejected and "necessary" in record.accepted
    assert "smartlook-com-s-r-o" in record.services_rejected
    assert record.release_number == 1


def test_klaro_accepting_is_recorded_and_a_new_release_asks_again(context, shop):
    page = context.new_page()
    page.goto(f"{shop}/klaro.html")
    notice = page.locator(".klaro .cookie-notice")
    with consent_posted(page):
        notice.get_by_role("button", name="Zaakceptuj wszystkie").click()
    (record,) = records(1)
    assert {"statistics", "marketing"} <= set(record.accepted)
    assert record.rejected == [] and "smartlook-com-s-r-o" in record.services_accepted
    assert "klaro-release-1" in cookie_names(context)  # Klaro keeps the choice per release
    page.reload()
    page.evaluate("() => window.gdprConsent.ready")
    expect(notice).to_have_count(0)  # answered: not asked again
    factories.CookieFactory(
        name="_new_tracker", category=TrackingCategory.MARKETING, consent_required=True
    )
    publish(note="Second")
    page.reload()
    expect(page.locator(".klaro .cookie-notice")).to_be_visible()  # a new declaration
    with consent_posted(page):
        notice.get_by_role("button", name="Zaakceptuj wszystkie").click()
    assert records(2)[1].release_number == 2
