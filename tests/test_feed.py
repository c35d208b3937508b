"""The Atom feed as a validator and a feed reader see it: RFC 4287's grammar and rules, tag:
ids (RFC 4151) that are the same wherever the feed is made, links that resolve, text shown as
text."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core import checks
from django.core.management import call_command

from compliance.models import Organisation, Processor
from compliance.releases import publish
from tests import atom, factories

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "pl", "cs", "de")
HOSTILE = 'Evil <b>bold</b> & "Co" s.r.o.'


@pytest.fixture
def changes(demo):
    """Three releases: the demo, then an addition with a hostile name, then a removal."""
    publish(note="First")
    factories.ProcessorFactory(name=HOSTILE, status="active")
    publish(note="Adds one", notice_days=30)
    leaving = Processor.objects.filter(status="active").exclude(name=HOSTILE).first()
    leaving.status = "retired"
    leaving.save()
    publish(note="Drops one", notice_days=30)
    return leaving


def element_ids(html):
    found = set()

    class Ids(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.update(value for name, value in attrs if name == "id")

    Ids().feed(html)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_feed_validates_and_its_links_resolve(client, changes, language):
    response = client.get(f"/{language}/subprocessors/feed.atom")
    assert atom.problems(response.content) == []
    entries = atom.entries(response.content)
    assert {title.split(": ", 1)[1] for _id, title, _s, _l in entries} >= {HOSTILE, changes.name}
    for _id, _title, _summary, link in entries:
        url = urlsplit(link)
        page = client.get(url.path)
        assert page.status_code == 200, link
        assert url.fragment in element_ids(page.content.decode()), link


def test_summary_is_shown_as_text_not_interpreted(client, changes):
    """The summary is type="html": what a reader renders must be the name as typed."""
    from html import unescape

    [summary] = [
        s
        for _i, title, s, _l in atom.entries(client.get("/en/subprocessors/feed.atom").content)
        if HOSTILE in title
    ]
    assert "<b>" not in summary and "&lt;b&gt;bold&lt;/b&gt; &amp;" in summary
    assert HOSTILE in unescape(summary)


def test_ids_are_the_same_on_any_host_and_in_the_static_copy(client, changes, tmp_path, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "register.example.org"]
    live = client.get("/de/subprocessors/feed.atom", HTTP_HOST="127.0.0.1:8000").content
    other = client.get("/de/subprocessors/feed.atom", HTTP_HOST="register.example.org").content
    call_command("build_site", "-o", str(tmp_path), "--base-url", "https://privacy.example.com")
    static = (tmp_path / "de/subprocessors/feed.atom").read_bytes()
    ids = [[entry[0] for entry in atom.entries(feed)] for feed in (live, other, static)]
    assert ids[0] == ids[1] == ids[2] and len(ids[0]) >= 2
    assert not any("127.0.0.1" in i or "example" in i or " " in i for i in ids[0])
    assert atom.problems(static) == []
    # The static copy's links resolve in the static copy.
    for _id, _title, _summary, link in atom.entries(static):
        url = urlsplit(link)
        assert url.netloc == "privacy.example.com"
        page = (tmp_path / url.path.strip("/") / "index.html").read_text()
        assert url.fragment in element_ids(page)


def test_ids_never_change_from_one_release_to_the_next(client, changes):
    """The authority and date come from the first release unless set: a later release (even
    with another website) mints the same ids for the same notices."""
    before = [e[0] for e in atom.entries(client.get("/en/subprocessors/feed.atom").content)]
    assert all(i.startswith("tag:www.smartsupp.com,") for i in before), before
    organisation = Organisation.objects.get()
    organisation.website = "https://elsewhere.example.net/"
    organisation.save()
    factories.ProcessorFactory(name="Backup GmbH", status="active")
    publish(note="Backups", notice_days=30)
    after = [e[0] for e in atom.entries(client.get("/en/subprocessors/feed.atom").content)]
    assert set(before) < set(after)


def test_authority_from_the_setting(client, changes, settings):
    settings.FEED_TAG_AUTHORITY = "privacy.example.com,2026-01-01"
    content = client.get("/en/subprocessors/feed.atom").content
    assert atom.problems(content) == []
    assert all(
        e[0].startswith("tag:privacy.example.com,2026-01-01:") for e in atom.entries(content)
    )


@pytest.mark.parametrize("value", ["example.com", "exa mple.com,2026", "example.com,26-01-01"])
def test_a_malformed_authority_fails_the_system_check(settings, value):
    settings.FEED_TAG_AUTHORITY = value
    errors = [m for m in checks.run_checks() if m.id == "compliance.E001"]
    assert errors and value in errors[0].msg


def test_the_feed_names_its_author(client, changes):
    from lxml import etree

    feed = etree.fromstring(client.get("/pl/subprocessors/feed.atom").content)
    assert (
        feed.findtext(f"{atom.ATOM}author/{atom.ATOM}name") == Organisation.objects.get().legal_name
    )
