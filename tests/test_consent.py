"""Consent banners configured from a release (compliance/consent.py) and the enriched cookie
list: built from the demo release, checked as the libraries will read them."""

import json
import re

import pytest

from compliance import consent
from compliance.models import TrackingCategory
from compliance.releases import publish
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(demo):
    return publish(note="First")


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response, json.loads(response.content)


def test_name_patterns_are_regular_expressions_of_the_concrete_names():
    assert consent.name_regex("ssupp_<CHAT_KEY>") == "^ssupp_.+$"
    assert consent.name_regex("SL_C_<PROJECT_KEY>_SID") == "^SL_C_.+_SID$"
    assert consent.name_regex("_ga") is None
    pattern = consent.name_regex("a.b(c)_<ID>-x")
    assert re.match(pattern, "a.b(c)_123-x") and not re.match(pattern, "aXb(c)_123-x")
    assert consent.exact_regex("ssupp.vid") == "^ssupp\\.vid$"


def test_cookieconsent_configuration(client, released):
    """Categories (necessary on and read-only), consent-requiring cookies cleared by name or
    pattern, exempt ones never, every language, the release as the revision."""
    response, config = get_json(client, "/api/v1/consent/cookieconsent.json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response and "max-age" in response["Cache-Control"]
    assert not response.cookies
    assert config["revision"] == released.number
    assert config["release"] == {
        "number": released.number,
        "content_hash": released.content_hash,
        "record_url": "http://testserver/api/v1/consent",
    }
    assert config["cookie"]["expiresAfterDays"] <= 183  # asked again within six months
    categories = config["categories"]
    assert categories["necessary"] == {"enabled": True, "readOnly": True}
    assert categories["marketing"]["readOnly"] is False
    assert categories["marketing"]["enabled"] is False  # nothing optional is on by default
    cleared = {
        c["name"]: c.get("pattern") for c in categories["statistics"]["autoClear"]["cookies"]
    }
    assert cleared["SL_C_<PROJECT_KEY>_SID"] == "^SL_C_.+_SID$"
    assert {"name": "ssupp.visits"} in categories["marketing"]["autoClear"]["cookies"]
    every_cleared = [
        cookie["name"]
        for category in categories.values()
        for cookie in category.get("autoClear", {}).get("cookies", [])
    ]
    assert "ssupp.vid" not in every_cleared  # necessary: clearing it would break the site
    translations = config["language"]["translations"]
    assert sorted(translations) == ["cs", "de", "en", "pl"]
    polish = translations["pl"]["preferencesModal"]["sections"]
    necessary = next(s for s in polish if s.get("linkedCategory") == "necessary")
    assert necessary["title"] == "Niezbędne"
    names = [row["name"] for row in necessary["cookieTable"]["body"]]
    assert "ssupp_&lt;CHAT_KEY&gt;" in names  # the library inserts cells as HTML
    assert necessary["cookieTable"]["headers"]["name"] == "Nazwa"
    assert "6 miesięcy" in [row["retention"] for row in necessary["cookieTable"]["body"]]
    assert config["language"]["default"] == "en"


def test_klaro_configuration(client, released):
    """Services by provider (necessary ones required and apart), purposes, cookies as regular
    expressions, translations; a new release is a new consent cookie."""
    _response, config = get_json(client, "/api/v1/consent/klaro.json")
    assert config["storageName"] == f"klaro-release-{released.number}"
    assert config["htmlTexts"] is False and config["default"] is False
    services = {service["name"]: service for service in config["services"]}
    smartlook = services["smartlook-com-s-r-o"]
    assert smartlook["purposes"] == ["statistics"]
    assert smartlook["required"] is False and smartlook["default"] is False
    assert "^SL_C_.+_SID$" in smartlook["cookies"]
    own_required = services["smartsupp-com-s-r-o-necessary"]
    assert own_required["required"] is True and "^ssupp\\.vid$" in own_required["cookies"]
    assert "^ssupp\\.visits$" in services["smartsupp-com-s-r-o"]["cookies"]
    assert config["services"][0]["required"]  # required services first
    polish = config["translations"]["pl"]
    assert polish["purposes"]["marketing"]["title"] == "Marketingowe"
    assert polish["privacyPolicyUrl"].endswith("/pl/privacy/")
    assert "ssupp.visits" in services["smartsupp-com-s-r-o"]["translations"]["pl"]["description"]


def test_configurations_escape_what_the_libraries_insert_as_html(client, demo):
    """A name or purpose carrying markup is text in vanilla-cookieconsent's table (escaped)
    and left to Klaro's own escaping (plain)."""
    factories.CookieFactory(
        name="evil_<ID>",
        category=TrackingCategory.MARKETING,
        consent_required=True,
        purpose_en='<img src=x onerror="alert(1)">',
    )
    publish(note="Second")
    _response, config = get_json(client, "/api/v1/consent/cookieconsent.json")
    text = json.dumps(config["language"]["translations"]["en"])
    assert "<img" not in text and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
    assert "evil_&lt;ID&gt;" in text
    _response, klaro = get_json(client, "/api/v1/consent/klaro.json")
    assert klaro["htmlTexts"] is False  # Klaro escapes plain text itself


def test_a_new_release_is_a_new_revision(client, released):
    _response, first = get_json(client, "/api/v1/consent/cookieconsent.json")
    factories.CookieFactory(name="new_one", category=TrackingCategory.STATISTICS)
    second = publish(note="Second")
    from compliance import public

    public.forget_latest(None)
    _response, config = get_json(client, "/api/v1/consent/cookieconsent.json")
    assert (first["revision"], config["revision"]) == (released.number, second.number)
    _response, klaro = get_json(client, "/api/v1/consent/klaro.json")
    assert klaro["storageName"] == f"klaro-release-{second.number}"


def test_an_unknown_banner_is_not_found(client, released):
    assert client.get("/api/v1/consent/onetrust.json").status_code == 404


def test_cookie_list_gives_codes_patterns_and_structured_retention(client, released):
    _response, data = get_json(client, "/api/v1/pl/cookies.json")
    items = {item["name"]: item for group in data["categories"] for item in group["items"]}
    sid = items["SL_C_<PROJECT_KEY>_SID"]
    assert (sid["type_code"], sid["category"], sid["category_label"]) == (
        "cookie",
        "statistics",
        "Statystyczne",
    )
    assert sid["pattern"] == "^SL_C_.+_SID$"
    assert items["ssupp.vid"]["pattern"] is None
    assert items["ssupp.vid"]["retention_period"] == {
        "kind": "duration",
        "value": 6,
        "unit": "months",
        "seconds": round(6 * 365.25 / 12 * 86400),
    }
    assert items["ssupp_<CHAT_KEY>message"]["type_code"] == "local_storage"
    assert items["ssupp_<CHAT_KEY>message"]["retention_period"]["seconds"] is None
