import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command

from compliance import models, public
from compliance.localize import public_view
from compliance.releases import publish
from tests import factories
from tests.test_documents import poison_every_text

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PAGES = ["/en/cookies/", "/pl/cookies/", "/cs/subprocessors/", "/de/privacy/"]


@pytest.fixture
def released(demo):
    return publish(note="First")


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_public_and_set_no_cookies(client, released, url):
    """No login, no Set-Cookie, a strict CSP, and the release's number and date."""
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert "default-src 'none'" in response["Content-Security-Policy"]
    content = response.content.decode()
    assert "<script" not in content
    assert released.effective_date.isoformat() in content


def test_cookie_page_content_in_polish(client, released):
    """Grouped by category, placeholders shown as such, retention in Polish, alternates."""
    content = client.get("/pl/cookies/").content.decode()
    assert '<html lang="pl">' in content
    for code in ("en", "pl", "cs", "de"):
        assert f'hreflang="{code}" href="/{code}/cookies/"' in content
    assert "Niezbędne" in content and "Marketingowe" in content
    assert "ssupp_&lt;CHAT_KEY&gt;" in content
    assert "SL_C_&lt;PROJECT_KEY&gt;_SID" in content
    assert "6 miesięcy" in content and "2 lata" in content
    assert "Smartlook.com, s.r.o." in content
    assert "Plik cookie HTTP" in content and "localStorage" in content


def test_privacy_page(client, released):
    """The organisation, the DPO's published contact, purposes and the wording for customers."""
    content = client.get("/en/privacy/").content.decode()
    assert "036 68 681" in content
    assert "dpo@smartsupp.com" in content
    assert "Art. 6(1)(f): legitimate interests" in content
    assert "Providing proper customer care is in our legitimate interest" in content


def test_subprocessor_page_upcoming_and_history(client, released):
    """Upcoming changes with their dates, and the history across releases."""
    factories.ProcessorFactory(name="Hosting s.r.o.")
    publish(note="Hosting")
    content = client.get("/en/subprocessors/").content.decode()
    assert "Hosting s.r.o." in content
    notice = models.ChangeNotice.objects.get()
    assert notice.takes_effect_on.isoformat() in content
    assert "Intended changes" in content and "History of changes" in content


def test_nothing_published_is_not_found(client, demo):
    """Before the first release there is nothing public, draft included."""
    assert client.get("/en/cookies/").status_code == 404
    assert client.get("/api/v1/releases/latest.json").status_code == 404


def test_drafts_never_leak(client, released):
    """An edit after publishing shows nowhere public until the next release."""
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    cookie.purpose_en = "Draft purpose"
    cookie.save()
    assert "Draft purpose" not in client.get("/en/cookies/").content.decode()
    assert "Draft purpose" not in client.get("/api/v1/en/cookies.json").content.decode()
    assert "Draft purpose" not in client.get("/api/v1/releases/latest.json").content.decode()
    publish(note="Second")
    assert "Draft purpose" in client.get("/en/cookies/").content.decode()


def test_preview_is_for_staff_and_never_cached(client, admin_client, released):
    """The draft preview needs a staff login, says it is a draft, and is not cached."""
    models.Cookie.objects.filter(name="ssupp.vid").update(purpose_en="Draft purpose")
    anonymous = client.get("/preview/en/cookies/")
    assert anonymous.status_code == 302
    response = admin_client.get("/preview/en/cookies/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Draft purpose" in content and "Preview of the draft" in content
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_caching_headers_and_304(client, released):
    """ETag and Last-Modified come from the release; conditional requests get 304."""
    response = client.get("/en/cookies/")
    etag, modified = response["ETag"], response["Last-Modified"]
    assert "public" in response["Cache-Control"] and "s-maxage" in response["Cache-Control"]
    assert client.get("/en/cookies/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/en/cookies/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get("/pl/cookies/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    factories.CookieFactory(name="new_one")
    publish(note="Second")
    renewed = client.get("/en/cookies/", HTTP_IF_NONE_MATCH=etag)
    assert renewed.status_code == 200
    assert renewed["ETag"] != etag


def test_release_json(client, released):
    """latest.json and N.json carry the snapshot with the release's facts; CORS allowed."""
    data = client.get("/api/v1/releases/latest.json").json()
    assert data["release"] == 1
    assert data["snapshot"] == public_view(released.snapshot)
    assert data["content_hash"] == released.content_hash
    response = client.get("/api/v1/releases/1.json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/releases/2.json").status_code == 404


def test_cookie_list_for_consent_tools(client, released):
    """The per-language cookie list groups items by category, in the language asked for."""
    data = client.get("/api/v1/cs/cookies.json").json()
    assert data["language"] == "cs" and data["release"] == 1
    necessary = next(c for c in data["categories"] if c["category"] == "necessary")
    vid = next(i for i in necessary["items"] if i["name"] == "ssupp.vid")
    assert vid["retention"] == "6 měsíců"
    assert vid["consent_required"] is False


def test_feed_is_valid_atom_with_stable_ids(client, released):
    """The feed parses as Atom; entries keep their ids from one release to the next."""
    factories.ProcessorFactory(name="Hosting s.r.o.")
    publish(note="Hosting")
    first = ET.fromstring(client.get("/en/subprocessors/feed.atom").content)
    assert first.tag == f"{ATOM}feed"
    ids = [entry.find(f"{ATOM}id").text for entry in first.findall(f"{ATOM}entry")]
    assert len(ids) == 1 and ids[0].endswith("/release-2/added/Hosting%20s.r.o.")
    factories.ProcessorFactory(name="Backup GmbH")
    publish(note="Backups")
    second = ET.fromstring(client.get("/en/subprocessors/feed.atom").content)
    later_ids = [entry.find(f"{ATOM}id").text for entry in second.findall(f"{ATOM}entry")]
    assert set(ids) < set(later_ids)


def test_embed_script_allows_other_origins(client, released):
    """The widget script is served with CORS; it renders text only."""
    response = client.get("/embed/cookies.js")
    assert response["Access-Control-Allow-Origin"] == "*"
    script = response.content.decode()
    assert "textContent" in script and "innerHTML" not in script


def test_user_text_is_escaped_on_every_page(client, demo):
    """The XSS payloads of the documents tests show literally on every page and in JSON."""
    poison_every_text('<script>alert("x")</script><img src=x onerror=alert(1)>')
    publish(note="Poisoned")
    for url in ("/en/cookies/", "/en/privacy/", "/en/subprocessors/"):
        content = client.get(url).content.decode()
        assert "<script>alert" not in content
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content
    data = json.loads(client.get("/api/v1/en/cookies.json").content)
    assert data["categories"][0]["items"][0]["purpose"].startswith("<script>")


def test_unknown_language_or_page(client, released):
    """Only configured languages and the three pages exist."""
    assert client.get("/fr/cookies/").status_code == 404
    assert client.get("/en/secrets/").status_code == 404


def test_build_site_writes_every_page_feed_and_json(released, tmp_path):
    """The static export holds each page per language, the feeds, the JSON and the widget."""
    call_command("build_site", "-o", str(tmp_path), "--base-url", "https://privacy.example.com")
    for language in ("en", "pl", "cs", "de"):
        for page in ("cookies", "subprocessors", "privacy"):
            assert (tmp_path / language / page / "index.html").exists()
        feed = (tmp_path / language / "subprocessors" / "feed.atom").read_text()
        assert "https://privacy.example.com" in feed
        assert json.loads((tmp_path / "api/v1" / language / "cookies.json").read_text())
    assert (tmp_path / "api/v1/releases/latest.json").exists()
    assert (tmp_path / "embed/cookies.js").exists()
    assert (tmp_path / "static/compliance/public/public.css").exists()
    page = (tmp_path / "pl/cookies/index.html").read_bytes()
    assert page == public.published_page(public.latest(), "cookies", "pl")


def test_build_site_needs_a_release(demo, tmp_path):
    """Without a release there is nothing to export."""
    with pytest.raises(CommandError, match="Nothing is published"):
        call_command("build_site", "-o", str(tmp_path))


def test_compressed_for_clients_that_accept_it(client, released):
    """Brotli where accepted, else gzip; compressed once per page; each encoding its own entity
    tag; the same page once decompressed."""
    import gzip

    import brotli

    plain = client.get("/en/cookies/")
    packed = client.get("/en/cookies/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "br"
    assert brotli.decompress(packed.content) == plain.content
    zipped = client.get("/en/cookies/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len({plain["ETag"], packed["ETag"], zipped["ETag"]}) == 3
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    again = client.get("/en/cookies/", HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304
    assert client.get("/en/cookies/", HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 200


@pytest.mark.parametrize(
    "accept, chosen",
    [
        ("", None),
        ("identity", None),
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("gzip;q=0", None),
        ("*", "br"),
        ("*;q=0.1, br;q=0", "gzip"),
        ("BR;Q=1", "br"),
        ("gzip;q=nonsense", None),
    ],
)
def test_accept_encoding_is_read_with_its_weights(accept, chosen):
    assert public.accepted_encoding(accept) == chosen


def test_control_characters_stored_before_the_rule_break_nothing(client, released, tmp_path):
    """A processor name with Word's manual line break (U+000B), stored past validation and
    published: every feed stays valid XML, pages and JSON carry no control character, the
    static export completes, and the next release's feed is valid too."""
    hosting = factories.ProcessorFactory(name="Hosting s.r.o.")
    models.Processor.objects.filter(pk=hosting.pk).update(name="Hosting\x0bline s.r.o.")
    publish(note="Hosting")
    for language in ("en", "pl", "cs", "de"):
        response = client.get(f"/{language}/subprocessors/feed.atom")
        assert response.status_code == 200
        feed = ET.fromstring(response.content)
        titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
        assert any("Hosting\nline s.r.o." in title for title in titles)
        for url in (f"/{language}/subprocessors/", f"/api/v1/{language}/cookies.json"):
            assert b"\x0b" not in client.get(url).content
    assert b"\\u000b" not in client.get("/api/v1/releases/latest.json").content
    call_command("build_site", "-o", str(tmp_path))
    factories.ProcessorFactory(name="Backup GmbH")
    publish(note="Backups")
    assert ET.fromstring(client.get("/en/subprocessors/feed.atom").content) is not None


def test_control_character_is_refused_in_the_admin(admin_client, demo):
    """The admin form names the field and the character instead of storing it."""
    from django.urls import reverse

    response = admin_client.post(
        reverse("admin:compliance_processor_add"),
        {
            "name": "Vertical\x0btab s.r.o.",
            "status": "active",
            "transfer_safeguard": "eea",
            "locations-TOTAL_FORMS": "0",
            "locations-INITIAL_FORMS": "0",
            "locations-MIN_NUM_FORMS": "0",
            "locations-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "invisible control character U+000B at position 9" in response.content.decode()
    assert not models.Processor.objects.filter(name__startswith="Vertical").exists()


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("pl-PL,pl;q=0.9,en;q=0.5", "pl"),
        ("de-AT", "de"),
        ("fr-FR,cs;q=0.8", "cs"),
        ("fr-FR", "en"),
        (None, "en"),
    ],
)
def test_the_home_address_leads_to_the_visitors_language(
    client, released, accept_language, language
):
    """/ answers with the privacy page in the browser's language, and says caches must keep
    one answer per Accept-Language; it sets no cookie."""
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    response = client.get("/", **headers)
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/privacy/"
    assert "Accept-Language" in response["Vary"]
    assert not response.cookies


def test_each_sub_processor_links_its_website_dpa_and_privacy_notice_where_known(client, demo):
    """The links a customer looks for, where the register has them; only web addresses are
    linked (a value slipped past the form's check is left out)."""
    smartlook = models.Processor.objects.get(name="Smartlook.com, s.r.o.")
    models.Processor.objects.filter(pk=smartlook.pk).update(
        website="https://www.smartlook.com/",
        dpa_url="https://www.smartlook.com/dpa/",
        privacy_url="javascript:alert(1)",
    )
    publish(note="First")
    html = client.get("/pl/subprocessors/").content.decode()
    assert 'href="https://www.smartlook.com/"' in html
    assert 'href="https://www.smartlook.com/dpa/"' in html
    assert "javascript:" not in html
    assert html.count('class="links"') == 1  # the other processors have none


def test_the_cookie_page_has_contents_with_counts_per_category(client, released):
    """A table of contents links each category's section and says how many items it holds,
    with the language's plural forms (Polish: 1 pozycja, 2 pozycje, 5 pozycji)."""
    html = client.get("/pl/cookies/").content.decode()
    contents = html[
        html.index('<nav aria-labelledby="contents"') : html.index(
            "</nav>", html.index('aria-labelledby="contents"')
        )
    ]
    groups = {}
    for item in [*models.Cookie.objects.all(), *models.StorageItem.objects.all()]:
        groups[item.category] = groups.get(item.category, 0) + 1
    for category, count in groups.items():
        assert f'href="#category-{category}"' in contents
        assert f'id="category-{category}"' in html
        word = (
            "pozycja"
            if count == 1
            else "pozycje"
            if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14)
            else "pozycji"
        )
        assert f"({count} {word})" in contents
