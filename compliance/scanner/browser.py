"""Visiting a site in real Chromium and noting what it stores: no database here.

collect() runs in its own thread with its own event loop (Playwright's async API, so that
several pages load at once); the scan's thread keeps the database and reads progress from a
queue. Each consent state gets a fresh browser context (no cookie carried over). Only names and
attributes are kept, never values: a value can be personal data.
"""

import asyncio
import contextlib
import json
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.translation import gettext

from compliance.scanner.addresses import host_of, is_first_party, scheme_refusal
from compliance.scanner.proxy import GuardProxy

# The shortest wait after a page's last request, whatever the site's delay (Playwright's own
# "networkidle" waits 500 ms).
QUIET_SECONDS = 0.25
# How often a tab waiting for its requests looks at them again.
POLL_SECONDS = 0.02


def page_of(request):
    """The tab a request belongs to (None for a service worker's)."""
    try:
        return request.frame.page
    except Exception:
        return None


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # QUIC (HTTP/3) and WebRTC's UDP would go around the proxy: neither is used.
    "--disable-quic",
    "--disable-component-update",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
]

# Chromium's profile preferences for "allow all cookies" (cookie_controls_mode 0).
ACCEPT_ALL_COOKIES = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}

# Read in every frame: its origin, its storage keys and IndexedDB databases (names only).
STORAGE_SCRIPT = """async () => {
  const keys = (area) => { try { return Object.keys(window[area]); } catch (e) { return []; } };
  let databases = [];
  try { databases = (await indexedDB.databases()).map((d) => d.name); } catch (e) {}
  return {origin: location.origin, local: keys("localStorage"),
          session: keys("sessionStorage"), indexeddb: databases};
}"""


@dataclass
class Plan:
    """What to visit and how (plain values, read from a ScanSite by the caller)."""

    site_url: str
    pages: list
    phases: list  # ScanPhase values, in order
    accept_selector: str = ""
    reject_selector: str = ""
    settle_ms: int = 1000
    concurrency: int = 2
    page_timeout_ms: int = 30_000
    allow_private: bool = False
    chromium: str = "/usr/bin/chromium"
    extra_args: list = field(default_factory=list)
    deadline: float | None = None  # time.monotonic() after which no page is opened
    max_bytes: int = 200 * 1024 * 1024  # downloaded in one consent state, then only pages


@dataclass
class Observation:
    phase: str
    kind: str
    name: str
    domain: str = ""
    path: str = ""
    lifetime_seconds: int | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str = ""
    third_party: bool = False
    set_by: str = ""
    page_url: str = ""

    @property
    def key(self):
        return (self.phase, self.kind, self.name, self.domain, self.path)


class BrowserFailed(Exception):
    """The browser could not be started or stopped working: the scan fails with this reason."""


def set_cookie_names(header_values):
    """Cookie names in Set-Cookie header values (one cookie per value, as Playwright gives)."""
    names = set()
    for value in header_values:
        cookie = SimpleCookie()
        try:
            cookie.load(value.split(";", 1)[0])
        except Exception:  # a malformed header sets nothing we can name
            continue
        names.update(cookie.keys())
    return names


class Collector:
    def __init__(self, plan, progress):
        self.plan = plan
        self.progress = progress  # called with ("page", url, error or None)
        self.site_host = host_of(plan.site_url)
        self.found = {}
        self.refused = []
        self.requested_hosts = set()  # of every request of the pages, redirect hops included
        self.downloaded = 0  # bytes, as the responses' Content-Length headers say
        self.in_flight = {}  # page: requests of it and its frames not finished yet
        self.last_activity = {}  # page: loop time its last request started or ended

    def note(self, observation):
        self.found.setdefault(observation.key, observation)

    async def guard(self, route):
        """Every request of a page: refused when it leaves http(s), navigates a top-level page
        away from the site, or (but for pages) comes after the download limit; audio and video
        are never fetched. Addresses are the proxy's to check (proxy.py): it sees every
        connection, the hops of redirects included."""
        request = route.request
        reason = scheme_refusal(request.url)
        leaves_site = (
            request.is_navigation_request()
            and request.frame.parent_frame is None
            and host_of(request.url) != self.site_host
        )
        if reason is None and leaves_site:
            reason = gettext("%(url)s: not a page of the scanned site.") % {
                "url": request.url[:200]
            }
        if reason is None and request.resource_type == "media":
            await route.abort("blockedbyclient")  # audio and video: large, and they store nothing
            return
        over_budget = self.downloaded > self.plan.max_bytes
        if reason is None and over_budget and request.resource_type != "document":
            reason = gettext("%(url)s: the scan's download limit was reached.") % {
                "url": request.url[:200]
            }
        if reason:
            self.refused.append(reason)
            await route.abort("blockedbyclient")
        else:
            await route.continue_()

    async def run(self):
        from playwright.async_api import async_playwright

        proxy = GuardProxy(self.plan.allow_private)
        async with proxy, async_playwright() as playwright:
            for phase in self.plan.phases:
                await self.visit_in_phase(playwright, phase, proxy.port)
        # Refusals of what the pages asked for (redirect hops included); not of the browser's
        # own traffic (its component updater, its account check), which is no part of the site.
        self.refused.extend(
            reason for host, reason in proxy.refused.items() if host in self.requested_hosts
        )

    async def visit_in_phase(self, playwright, phase, proxy_port):
        # A fresh profile per consent state. Chromium's default profile (and every incognito
        # context) blocks third-party cookies and storage; many visitors' browsers do not, and
        # the declaration must cover what those store: the profile accepts them.
        with tempfile.TemporaryDirectory(prefix="scan-") as profile:
            (Path(profile) / "Default").mkdir()
            (Path(profile) / "Default" / "Preferences").write_text(json.dumps(ACCEPT_ALL_COOKIES))
            try:
                context = await playwright.chromium.launch_persistent_context(
                    profile,
                    executable_path=self.plan.chromium,
                    headless=True,
                    args=[
                        *BROWSER_ARGS,
                        # Everything through the scan's proxy, loopback included ("<-loopback>"
                        # removes Chromium's implicit exception for it).
                        f"--proxy-server=http://127.0.0.1:{proxy_port}",
                        "--proxy-bypass-list=<-loopback>",
                        *self.plan.extra_args,
                    ],
                    accept_downloads=False,
                )
            except Exception as error:
                raise BrowserFailed(
                    gettext("The browser could not be started (%(path)s): %(error)s")
                    % {"path": self.plan.chromium, "error": str(error).splitlines()[0][:300]}
                ) from None
            try:
                await self.visit_with(context, phase)
            finally:
                await context.close()

    async def visit_with(self, context, phase):
        context.set_default_timeout(self.plan.page_timeout_ms)
        await context.route("**/*", self.guard)
        header_cookies = set()  # (host, name) of cookies set by a response header

        async def on_response(response):
            try:
                values = await response.header_values("set-cookie")
            except Exception:
                return
            host = host_of(response.url)
            header_cookies.update((host, name) for name in set_cookie_names(values))

        pending = []  # header reads still running when the pages are done

        def count_and_read(response):
            # Counted at once (the next request may be on its way), Set-Cookie read after.
            with contextlib.suppress(KeyError, ValueError):
                self.downloaded += int(response.headers["content-length"])
            pending.append(asyncio.ensure_future(on_response(response)))

        context.on("response", count_and_read)
        context.on("request", lambda request: self.request_started(phase, request))
        context.on("requestfinished", self.request_ended)
        context.on("requestfailed", self.request_ended)
        selector = {"accepted": self.plan.accept_selector, "rejected": self.plan.reject_selector}
        if selector.get(phase):
            await self.give_consent_choice(context, selector[phase])
        # `concurrency` tabs, each visiting page after page as a visitor would.
        todo = list(self.plan.pages)
        tabs = min(self.plan.concurrency, len(todo))
        await asyncio.gather(*(self.browse(context, phase, todo) for _tab in range(tabs)))
        await asyncio.gather(*pending, return_exceptions=True)
        await self.read_cookies(context, phase, header_cookies)

    async def give_consent_choice(self, context, selector):
        """Open the home page and click the banner's button; the context keeps the choice."""
        page = await context.new_page()
        try:
            await page.goto(self.plan.site_url, wait_until="load")
            await page.click(selector, timeout=min(self.plan.page_timeout_ms, 10_000))
            await self.settle(page)
        except Exception as error:
            raise BrowserFailed(
                gettext("The consent button %(selector)s could not be clicked: %(error)s")
                % {"selector": selector, "error": str(error).splitlines()[0][:300]}
            ) from None
        finally:
            await page.close()

    def request_started(self, phase, request):
        self.note_host(phase, request.url)
        page = page_of(request)
        if page is not None:
            self.in_flight[page] = self.in_flight.get(page, 0) + 1
            self.last_activity[page] = asyncio.get_running_loop().time()

    def request_ended(self, request):
        page = page_of(request)
        if page is not None and self.in_flight.get(page):
            self.in_flight[page] -= 1
            self.last_activity[page] = asyncio.get_running_loop().time()

    async def settle(self, page):
        """Wait until the page has made no request for the site's delay (QUIET_SECONDS at
        least), counted from its load event or its last request, whichever is later.

        The delay is for scripts that store something late. Counting it from the network's
        last activity rather than adding it after a fixed quiet window means that a tracker
        loaded late (a tag manager's tag, a banner's script) restarts the wait and gets the
        whole delay for its own timers too. A page that never goes quiet (long polling) is
        read when the page time limit has passed."""
        loop = asyncio.get_running_loop()
        delay = max(self.plan.settle_ms / 1000, QUIET_SECONDS)
        loaded = loop.time()
        give_up = loaded + self.plan.page_timeout_ms / 1000
        while loop.time() < give_up:
            wait = POLL_SECONDS  # while requests are running
            if self.in_flight.get(page, 0) == 0:
                quiet_since = max(loaded, self.last_activity.get(page, loaded))
                wait = quiet_since + delay - loop.time()
                if wait <= 0:
                    return
            # Looked at again when the delay would be over: a request meanwhile moves it on.
            await asyncio.sleep(min(wait, give_up - loop.time()))

    async def browse(self, context, phase, todo):
        """One tab: takes the next page to visit from `todo` until none is left."""
        page = await context.new_page()
        try:
            while todo:
                url = todo.pop(0)
                if not await self.visit_page(page, phase, url):
                    await page.close()  # crashed or stuck: a fresh tab for the next page
                    page = await context.new_page()
        finally:
            await page.close()

    async def visit_page(self, page, phase, url):
        """Visit `url` in `page`; False when the tab should not be used again."""
        if self.plan.deadline is not None and time.monotonic() > self.plan.deadline:
            self.progress(("page", url, gettext("not visited: the scan's time limit was reached")))
            return True
        error = None
        try:
            response = await page.goto(url, wait_until="load")
            if response is not None and response.status >= 400:
                error = gettext("HTTP %(status)d") % {"status": response.status}
            await self.settle(page)
            await asyncio.gather(*(self.read_storage(frame, phase, url) for frame in page.frames))
        except Exception as failure:
            error = str(failure).splitlines()[0][:300] if str(failure) else type(failure).__name__
        self.progress(("page", url, error))
        return error is None or error.startswith("HTTP")

    async def read_storage(self, frame, phase, page_url):
        try:
            found = await frame.evaluate(STORAGE_SCRIPT)
        except Exception:
            return  # a frame that went away, or about:blank
        host = host_of(found.get("origin") or "")
        if not host:
            return
        third_party = not is_first_party(host, self.site_host)
        for kind, names in (
            ("local_storage", found["local"]),
            ("session_storage", found["session"]),
            ("indexeddb", found["indexeddb"]),
        ):
            for name in names:
                self.note(
                    Observation(
                        phase, kind, str(name)[:300], host, third_party=third_party,
                        set_by="script", page_url=page_url,
                    )
                )  # fmt: skip

    def note_host(self, phase, url):
        host = host_of(url)
        self.requested_hosts.add(host)
        web = urlsplit(url).scheme in ("http", "https")
        if host and web and not is_first_party(host, self.site_host):
            self.note(Observation(phase, "host", host, host, third_party=True))

    async def read_cookies(self, context, phase, header_cookies):
        now = time.time()
        for cookie in await context.cookies():
            domain = cookie["domain"].lower()
            expires = cookie.get("expires", -1)
            bare = domain.lstrip(".")
            by_header = any(
                name == cookie["name"] and (host == bare or host.endswith("." + bare))
                for host, name in header_cookies
            )
            self.note(
                Observation(
                    phase,
                    "cookie",
                    cookie["name"][:300],
                    domain,
                    cookie.get("path", "/")[:300],
                    lifetime_seconds=None if expires is None or expires < 0 else int(expires - now),
                    secure=bool(cookie.get("secure")),
                    http_only=bool(cookie.get("httpOnly")),
                    same_site=cookie.get("sameSite", "") or "",
                    third_party=not is_first_party(domain, self.site_host),
                    set_by="header" if by_header else "script",
                )
            )


def collect(plan, progress):
    """Visit `plan`'s pages in each phase; returns (observations, refused requests). Blocking:
    runs its own event loop, so call it from a thread that has none."""
    collector = Collector(plan, progress)
    asyncio.run(collector.run())
    return list(collector.found.values()), collector.refused
