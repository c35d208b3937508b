"""The admin in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from compliance.demo import load_demo
from compliance.models import Cookie, StorageItem

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "browser-test-password"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def sync_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM
    calls here (the tests' own and the database flush between tests). They are plain
    synchronous code, so allow them for this module only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def refuse_outside_requests(context, live_server):
    """Aborts every request the pages make to another origin and returns the list of them:
    the admin's theme, fonts and scripts must all come from our own server."""
    outside = []

    def route(route):
        url = route.request.url
        if url.startswith((live_server.url + "/", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", route)
    return outside


@pytest.fixture
def page(browser, live_server, django_user_model):
    """A logged-in admin page on the demo register."""
    load_demo()
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    context = browser.new_context(locale="en-GB")
    outside = refuse_outside_requests(context, live_server)
    page = context.new_page()
    # The admin's Content-Security-Policy must not block anything the admin itself needs.
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, live_server, "editor")
    yield page
    context.close()
    assert violations == []
    assert outside == []


def test_language_tabs_switch_the_visible_translation(page, live_server):
    """The cookie form shows one language at a time; clicking PL shows the Polish text."""
    cookie = Cookie.objects.get(name="ssupp.vid")
    page.goto(f"{live_server.url}/admin/compliance/cookie/{cookie.pk}/change/")
    english, polish = page.locator("#id_purpose_en"), page.locator("#id_purpose_pl")
    expect(english).to_be_visible()
    expect(polish).to_be_hidden()
    page.locator("#id_purpose_en").locator("xpath=ancestor::fieldset[1]").get_by_role(
        "tab", name="PL"
    ).first.click()
    expect(polish).to_be_visible()
    expect(polish).to_have_value("Identyfikacja osób odwiedzających")
    expect(english).to_be_hidden()


def test_dashboard_finding_leads_to_the_object(page, live_server):
    """Clicking a health finding opens the storage item that causes it."""
    item = StorageItem.objects.get(name="ssupp_<CHAT_KEY>opened")
    page.get_by_role("link", name="storage item: ssupp_<CHAT_KEY>opened").click()
    page.wait_for_url(f"{live_server.url}/admin/compliance/storageitem/{item.pk}/change/")
    expect(page.locator("#id_name")).to_have_value("ssupp_<CHAT_KEY>opened")


def test_language_switcher_turns_the_admin_polish(page):
    """Choosing polski in the header re-renders the dashboard in Polish."""
    page.select_option("#admin-language", "pl")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Raport kontroli")).to_be_visible()
    expect(page.get_by_role("link", name="Pulpit", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pl")


def test_user_menu_and_log_out_are_reached_by_keyboard(page):
    """The sidebar's user menu (theme, password, log out) opens with Enter and closes with
    Escape; log out is then a button the keyboard reaches."""
    menu = page.locator('[role="button"][aria-haspopup="true"]')
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(log_out).to_be_visible()
    page.keyboard.press("Escape")
    expect(log_out).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    log_out.click()
    expect(page.locator("html")).to_contain_text("Log in again")


def test_known_cookie_is_offered_and_accepted_in_one_click(page, live_server):
    """Typing a known cookie's name offers its values; one click fills the form."""
    from compliance import ocd

    ocd.load_library()
    page.goto(f"{live_server.url}/admin/compliance/cookie/add/")
    page.fill("#id_name", "_ga_ABC123")
    suggestion = page.locator("#known-cookie-suggestions")
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text("Google Analytics")
    suggestion.get_by_role("button", name="Use these values").first.click()
    expect(page.locator("#id_category")).to_have_value("statistics")
    expect(page.locator("#id_retention_kind")).to_have_value("duration")
    expect(page.locator("#id_retention_value")).to_have_value("2")
    expect(page.locator("#id_retention_unit")).to_have_value("years")
    expect(page.locator("#id_consent_required")).to_be_checked()
    expect(page.locator("#id_description_en")).not_to_have_value("")


# --- Public pages ------------------------------------------------------------------------------

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def visitor(browser, live_server):
    """An anonymous browser on the demo register's first release."""
    from compliance.releases import publish

    load_demo()
    publish(note="First")
    # The pages' strict CSP forbids injected scripts; axe-core is injected for the test only.
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    yield context.new_page()
    context.close()


def serious_violations(page):
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("page_name", ["cookies", "subprocessors", "privacy"])
def test_public_pages_in_two_languages_are_accessible(visitor, live_server, page_name):
    """Each page loads in English and Polish, switches language, and passes axe-core."""
    visitor.goto(f"{live_server.url}/en/{page_name}/")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    assert serious_violations(visitor) == []
    visitor.get_by_role("link", name="polski").click()
    visitor.wait_for_url(f"{live_server.url}/pl/{page_name}/")
    expect(visitor.locator("html")).to_have_attribute("lang", "pl")
    expect(visitor.locator("h1")).not_to_be_empty()
    assert serious_violations(visitor) == []


@pytest.mark.parametrize("page_name", ["cookies", "subprocessors"])
def test_public_tables_become_cards_on_a_phone(visitor, live_server, page_name, tmp_path):
    """At 390 px (a phone) nothing is wider than the screen: each table row is a card whose
    cells carry their column's heading; the page still passes axe-core."""
    if page_name == "subprocessors":  # a change, so that the history has a table
        from compliance.releases import publish
        from tests import factories

        factories.ProcessorFactory(name="Hosting s.r.o.")
        publish(note="Adds hosting")
    visitor.set_viewport_size({"width": 390, "height": 844})
    visitor.goto(f"{live_server.url}/pl/{page_name}/")
    shot = tmp_path / f"{page_name}-390.png"
    visitor.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 390
    widest = visitor.evaluate(
        "Math.max(...[...document.querySelectorAll('table')]"
        ".map((table) => table.getBoundingClientRect().right))"
    )
    assert widest <= 390
    label = visitor.evaluate(
        "getComputedStyle(document.querySelector('table.cards td[data-label]'), '::before').content"
    )
    assert label.endswith(': "') and len(label) > 4  # e.g. "Dostawca: "
    assert serious_violations(visitor) == []


def test_public_page_sets_no_cookie_in_the_browser(visitor, live_server):
    """A visitor's browser holds no cookie after reading the pages."""
    visitor.goto(f"{live_server.url}/pl/cookies/")
    visitor.goto(f"{live_server.url}/pl/privacy/")
    assert visitor.context.cookies() == []


@pytest.fixture
def other_site(live_server):
    """A customer's page on another local port that embeds the widget."""
    import threading
    from functools import partial
    from http.server import HTTPServer, SimpleHTTPRequestHandler

    root = Path(tempfile.mkdtemp())
    (root / "index.html").write_text(
        '<!DOCTYPE html><html lang="pl"><head><title>Shop</title></head><body>'
        '<h1>Shop</h1><div id="cookie-declaration"></div>'
        f'<script src="{live_server.url}/embed/cookies.js" data-language="pl" async></script>'
        "</body></html>",
        encoding="utf-8",
    )

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_widget_renders_on_another_site(visitor, other_site):
    """The embed script renders the Polish declaration into the other site's page."""
    visitor.goto(f"{other_site}/index.html")
    table = visitor.locator("#cookie-declaration table").first
    expect(table).to_be_visible()
    declaration = visitor.locator("#cookie-declaration")
    expect(declaration).to_contain_text("ssupp.vid")
    expect(declaration).to_contain_text("6 miesięcy")
    expect(declaration).to_contain_text("ssupp_<CHAT_KEY>")


# --- Background work ---------------------------------------------------------------------------


@pytest.fixture
def working_queue(database_queue):
    """The database queue, with a worker that says it is alive; the test does its work."""
    from django.utils import timezone

    from compliance import worker

    worker.beat("browser-test-worker", timezone.now())


def test_release_page_follows_the_rendering_without_a_reload(
    page, live_server, working_queue, monkeypatch
):
    """Published: 8 documents queued; as the worker renders them, the open page shows each
    one ready by itself, and stops refreshing once all are."""
    from compliance import documents, releases, tasks
    from compliance.models import DocumentRender

    monkeypatch.setattr(documents, "render", lambda kind, language, *a, **k: b"%PDF-1.7 test")
    release = releases.publish(note="First")
    page.goto(f"{live_server.url}/admin/compliance/release/{release.pk}/change/")
    states = page.locator("tr.document-state")
    expect(states).to_have_count(8)
    expect(page.locator('tr.document-state[data-state="queued"]')).to_have_count(8)
    for render in DocumentRender.objects.filter(release=release):
        tasks.render_document.call(render.pk)
    expect(page.locator('tr.document-state[data-state="done"]')).to_have_count(8, timeout=20_000)
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)


def test_import_runs_in_the_background_with_its_page_following(page, live_server, working_queue):
    """Upload, the check (done by the worker) appears as a preview by itself; confirm, the
    outcome appears by itself; the rows are in the register."""
    from compliance import tasks
    from compliance.models import ImportJob

    Cookie.objects.filter(name="ssupp.visits").delete()
    page.goto(f"{live_server.url}/admin/compliance/cookie/import/")
    page.set_input_files("#id_file", str(Path(__file__).parent / "files" / "cookies.csv"))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#import-progress")).to_be_visible()
    job = ImportJob.objects.get()
    tasks.run_import_job.call(job.pk)
    expect(page.locator("#import-summary")).to_have_text(
        "3 rows: 1 new, 2 changed, 0 unchanged.", timeout=20_000
    )
    assert not Cookie.objects.filter(name="ssupp.visits").exists()
    # Each changed row says what changes, from what to what.
    expect(page.locator("tr.effect-update ul.changes").first).to_be_visible()
    expect(page.locator("tr.effect-update del").first).not_to_be_empty()
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("#import-progress")).to_be_visible()
    tasks.run_import_job.call(job.pk)
    expect(page.locator("#import-outcome")).to_contain_text(
        "Imported 3 rows from cookies.csv: 1 new, 2 updated, 0 unchanged.", timeout=20_000
    )
    assert Cookie.objects.filter(name="ssupp.visits").exists()


def test_a_translation_to_review_is_marked_on_its_language_tab(page, live_server):
    """The English purpose changed: the PL, CS and DE tabs of the purpose say so, EN does not."""
    cookie = Cookie.objects.get(name="ssupp.vid")
    cookie.purpose_en = "Identifies visitors across visits"
    cookie.save()
    page.goto(f"{live_server.url}/admin/compliance/cookie/{cookie.pk}/change/")
    polish_tab = page.locator('[aria-controls="tab_id_purpose_pl"] > a')
    expect(polish_tab).to_have_class(re.compile("translation-to-review-tab"))
    expect(polish_tab).to_contain_text("•")
    expect(page.locator('[aria-controls="tab_id_purpose_en"] > a')).not_to_have_class(
        re.compile("translation-to-review-tab")
    )
    polish_tab.click()
    expect(page.locator("#id_purpose_pl")).to_have_class(re.compile("translation-to-review"))


SCREENSHOTS = Path(os.environ.get("SCREENSHOTS", tempfile.gettempdir())) / "gdpr-register-screens"


def test_dashboard_publish_path(page, live_server):
    """From the dashboard: review and publish, then the dashboard shows the release and that
    nothing is left to publish. Screenshots at 1440x900 are kept to be looked at."""
    from compliance.models import Release

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#never-published")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-before.png"), full_page=False)
    page.locator("#dashboard-publish").click()
    page.wait_for_url(re.compile(r".*/release/publish/$"))
    page.fill("#id_note", "First release from the dashboard")
    page.locator("#publish-form input[type=submit]").click()
    page.wait_for_url(re.compile(r".*/release/\d+/change/$"))
    assert Release.objects.count() == 1
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#dashboard-release")).to_contain_text("Latest release: 1")
    expect(page.locator("#nothing-to-publish")).to_be_visible()
    expect(page.locator("#recent-activity")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-after.png"), full_page=False)
    cookie = Cookie.objects.get(name="ssupp.vid")
    page.goto(f"{live_server.url}/admin/compliance/cookie/{cookie.pk}/change/")
    page.screenshot(path=str(SCREENSHOTS / "change-form-tabs.png"), full_page=False)


@pytest.mark.parametrize("language", ["en", "pl", "cs", "de"])
def test_changelist_fits_1440_pixels_and_its_tools_leave_the_title_alone(
    page, live_server, language
):
    """At 1440x900, in every language: the object tools (Import, Export, Recover, Add) do not
    cover the page title, and the cookie table's last column is not cut off."""
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.select_option("#admin-language", language)
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/compliance/cookie/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"cookie-changelist-{language}.png"))
    title = page.locator("#header-inner h1").bounding_box()
    for tool in page.locator(".object-tools li").all():
        box = tool.bounding_box()
        overlaps = not (
            box["x"] + box["width"] <= title["x"]
            or title["x"] + title["width"] <= box["x"]
            or box["y"] + box["height"] <= title["y"]
            or title["y"] + title["height"] <= box["y"]
        )
        assert not overlaps, (language, tool.inner_text())
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{language}: the page is {overflow} px wider than the window"
    # The table fits its box: no column scrolled out of sight behind the filters.
    fits = page.evaluate(
        "() => document.querySelector('#result_list').getBoundingClientRect().right"
        " <= document.querySelector('#changelist-form').getBoundingClientRect().right + 1"
    )
    assert fits, f"{language}: the cookie table is wider than its box"


@pytest.fixture
def audited_admin(browser, live_server, django_user_model):
    """A logged-in admin in a context that lets axe-core be injected (the admin's CSP would
    refuse it; the page fixture keeps the CSP to catch what the admin itself needs)."""
    load_demo()
    django_user_model.objects.create_superuser("auditor", "auditor@example.com", PASSWORD)
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    outside = refuse_outside_requests(context, live_server)
    page = context.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, "auditor")
    yield page
    context.close()
    assert outside == []


@pytest.mark.parametrize("language", ["en", "pl", "cs", "de"])
def test_admin_pages_pass_axe_in_every_language(audited_admin, live_server, language):
    """The dashboard (with its consent chart), a changelist, a change form with language tabs,
    the publish page, a scanned site, a scan's report, the consent records and their export:
    no serious or critical axe-core violation, in each language."""
    import uuid

    from compliance.models import ConsentRecord
    from compliance.releases import publish
    from compliance.scanner import report
    from tests.test_scanner import finished_scan

    page = audited_admin
    page.select_option("#admin-language", language)
    page.wait_for_load_state("networkidle")
    cookie = Cookie.objects.get(name="ssupp.vid")
    scan = finished_scan()
    scan.findings = report.summary(report.build(scan))
    scan.save()
    release = publish(note="First")
    for accepted, rejected, answers in (
        (["necessary", "statistics"], ["preferences", "marketing"], (False, True, False)),
        (["necessary"], ["statistics"], (None, False, None)),
    ):
        ConsentRecord.objects.create(
            consent_id=uuid.uuid4(), origin=scan.site.base_url.rstrip("/"), accepted=accepted,
            rejected=rejected, preferences=answers[0], statistics=answers[1],
            marketing=answers[2], release_number=release.number,
            content_hash=release.content_hash, language="pl", ip_prefix="192.0.2.0/24",
            user_agent_hash="0" * 64,
        )  # fmt: skip
    found = {}
    for path in (
        "/admin/",
        "/admin/compliance/cookie/",
        f"/admin/compliance/cookie/{cookie.pk}/change/",
        "/admin/compliance/release/publish/",
        f"/admin/compliance/scansite/{scan.site.pk}/change/",
        f"/admin/compliance/scan/{scan.pk}/change/",
        "/admin/compliance/consentrecord/",
        "/admin/compliance/consentrecord/export/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert found == {}


def test_scan_now_in_the_admin_scans_the_site_and_reports(page, live_server, settings, run_tasks):
    """An editor registers the fixture site, clicks "Scan now", and reads the report: the
    consent violation first, an undeclared cookie added to the register in one click."""
    from compliance.models import ScanSite, TrackingCategory
    from tests import factories
    from tests.scan_site import FixtureSite

    settings.SCANNER_ALLOW_PRIVATE_ADDRESSES = True
    factories.CookieFactory(
        name="marketing_pre", category=TrackingCategory.MARKETING, consent_required=True
    )
    with FixtureSite() as fixture:
        site = ScanSite.objects.create(
            name="Fixture shop", base_url=fixture.url, use_sitemap=False, settle_delay_ms=300,
            accept_selector="#accept", reject_selector="#reject",
        )  # fmt: skip
        page.goto(f"{live_server.url}/admin/compliance/scansite/{site.pk}/change/")
        page.get_by_role("button", name="Scan now").click()
        page.wait_for_url(re.compile(r"/admin/compliance/scan/\d+/change/"), timeout=60_000)
    expect(page.locator("#scan-summary")).to_have_attribute("data-state", "done")
    groups = page.locator(".scan-findings")
    expect(groups.first).to_have_attribute("data-kind", "before_consent")
    expect(groups.first).to_contain_text("marketing_pre")
    row = page.locator('[data-kind="undeclared"] tr', has_text="tp_pixel")
    row.get_by_role("button", name="Add to the register as a draft").click()
    expect(page.locator("#id_name")).to_have_value("tp_pixel")
    expect(page.locator("#id_category")).to_have_value("unclassified")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "scan-added-to-register.png"))


@pytest.mark.parametrize("language", ["en", "pl", "cs", "de"])
def test_the_subscription_form_works_and_passes_axe(browser, visitor, live_server, language):
    """From the sub-processor page to the form, a refused address and a accepted one, in
    each language, under the pages' own Content-Security-Policy (the form may post to us);
    every page passes axe-core and the browser holds no cookie."""
    from compliance import public_forms
    from compliance.models import Subscriber

    public_forms.rate_limit.counts.clear()
    strict = browser.new_context(locale="en-GB")  # no CSP bypass: the real policy applies
    page = strict.new_page()
    page.goto(f"{live_server.url}/{language}/subprocessors/")
    page.locator("#subscribe a").click()
    page.wait_for_url(f"{live_server.url}/{language}/subprocessors/subscribe/")
    page.fill("#id_email", "not an address")
    page.locator("form.public-form button").click()
    expect(page.locator("#id_email-error")).to_be_visible()
    expect(page.locator("#id_email")).to_have_attribute("aria-invalid", "true")
    page.fill("#id_email", f"legal-{language}@customer.example")
    page.locator("form.public-form button").click()
    expect(page.locator("[role=status]")).to_be_visible()
    assert Subscriber.objects.get().language == language
    assert strict.cookies() == []
    strict.close()

    for path in ("subprocessors/subscribe/", "subprocessors/confirm/damaged/"):
        visitor.goto(f"{live_server.url}/{language}/{path}")
        expect(visitor.locator("html")).to_have_attribute("lang", language)
        assert serious_violations(visitor) == []
    visitor.goto(f"{live_server.url}/{language}/subprocessors/subscribe/")
    visitor.locator("form.public-form button").click()  # empty: the errors
    expect(visitor.locator("#id_email-error")).to_be_visible()
    assert serious_violations(visitor) == []


@pytest.mark.parametrize("language", ["en", "pl", "cs", "de"])
def test_the_objection_form_works_and_passes_axe(visitor, live_server, language):
    """From an intended addition on the sub-processor page to its objection form, refused
    once (empty) and then sent: each page passes axe-core in each language."""
    from compliance import public_forms
    from compliance.models import Objection
    from compliance.releases import publish
    from tests import factories

    public_forms.rate_limit.counts.clear()
    factories.ProcessorFactory(name="Mailer GmbH", status="active")
    publish(note="Adds Mailer")
    visitor.goto(f"{live_server.url}/{language}/subprocessors/")
    visitor.locator("[aria-labelledby=upcoming] a[href*='/object/']").first.click()
    visitor.wait_for_url("**/object/**")
    expect(visitor.locator("html")).to_have_attribute("lang", language)
    assert serious_violations(visitor) == []
    visitor.locator("form.public-form button").click()
    expect(visitor.locator("#id_company-error")).to_be_visible()
    assert serious_violations(visitor) == []
    visitor.fill("#id_company", "Customer a.s.")
    visitor.fill("#id_contact_name", "Jana Nováková")
    visitor.fill("#id_email", "legal@customer.example")
    visitor.fill("#id_reason", "Our contract forbids this provider.")
    visitor.locator("form.public-form button").click()
    expect(visitor.locator("[role=status]")).to_be_visible()
    assert serious_violations(visitor) == []
    assert Objection.objects.get().language == language
    assert visitor.context.cookies() == []


def test_a_branded_page_shows_its_logo_under_its_own_policy_and_passes_axe(
    browser, visitor, live_server
):
    """The logo and the accent stylesheet load from our origin under the pages' strict
    Content-Security-Policy (no violation), and the page still passes axe-core."""
    import io

    from PIL import Image

    from compliance import branding
    from compliance.models import Organisation
    from compliance.releases import publish

    out = io.BytesIO()
    Image.new("RGB", (300, 90), (26, 95, 180)).save(out, format="PNG")
    out.seek(0)
    image = branding.prepare_logo(out)
    Organisation.objects.update(logo=image.sha256, accent_colour="#1a5fb4")
    publish(note="Branded")
    strict = browser.new_context(locale="en-GB")
    page = strict.new_page()
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{live_server.url}/en/cookies/")
    expect(page.locator("img.logo")).to_be_visible()
    assert page.evaluate("document.querySelector('img.logo').naturalWidth") == 300
    border = page.evaluate("getComputedStyle(document.querySelector('header.site')).borderTopColor")
    assert border == "rgb(26, 95, 180)"
    assert violations == [] and strict.cookies() == []
    strict.close()
    visitor.goto(f"{live_server.url}/pl/cookies/")
    assert serious_violations(visitor) == []
