"""Every public JSON response validates against the JSON Schema it names in `$schema`, fetched
from where the payload says it is, with formats (date, date-time) checked."""

import copy
import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.core.management import call_command

from compliance import localize
from compliance.models import Processor, Release
from compliance.releases import publish, redact
from compliance.snapshot import snapshot_schema
from tests import factories

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "pl", "cs", "de")


@pytest.fixture
def releases(demo):
    """The demo, an addition and a removal in notice, and the first release redacted."""
    first = publish(note="First")
    factories.ProcessorFactory(name="NewCo Ltd", status="active")
    leaving = Processor.objects.filter(status="active").exclude(name="NewCo Ltd").first()
    leaving.status = "retired"
    leaving.save()
    publish(note="Replaces one", notice_days=30)
    redact(first, [(leaving.name, None)], reason="Test of the schema")
    return Release.objects.order_by("number")


def validator(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def public_json_urls():
    urls = ["/api/v1/releases/latest.json"]
    urls += [f"/api/v1/releases/{n}.json" for n in Release.objects.values_list("number", flat=True)]
    return urls + [f"/api/v1/{language}/cookies.json" for language in LANGUAGES]


def test_every_public_json_response_validates_against_its_schema(client, releases):
    for url in public_json_urls():
        payload = client.get(url).json()
        schema_url = urlsplit(payload["$schema"])
        assert schema_url.netloc == "testserver"
        response = client.get(schema_url.path)
        assert response.status_code == 200 and response["Content-Type"] == "application/schema+json"
        schema = response.json()
        assert schema["$id"] == payload["$schema"]
        assert list(validator(schema).iter_errors(payload)) == [], url


def test_the_schema_covers_the_envelope(client, releases):
    """The release, its dates and hash are required and typed: a payload missing or changing
    one of them does not validate."""
    payload = client.get("/api/v1/releases/2.json").json()
    schema = client.get("/api/v1/schema.json").json()
    for key in ("release", "published_at", "content_hash", "snapshot", "subprocessors"):
        broken = {k: v for k, v in payload.items() if k != key}
        assert list(validator(schema).iter_errors(broken)), key
    for key, value in (
        ("content_hash", "abc"),
        ("published_at", "yesterday"),
        ("effective_date", "2026-13-45"),
        ("unpublished", "anything"),
    ):
        assert list(validator(schema).iter_errors({**payload, key: value})), key
    private = copy.deepcopy(payload)
    private["snapshot"]["processors"][0]["contact_name"] = "Jana Nováková"  # never public
    assert list(validator(schema).iter_errors(private))
    cookies = client.get("/api/v1/pl/cookies.json").json()
    cookie_schema = client.get("/api/v1/cookies.schema.json").json()
    assert cookies["content_hash"] == Release.objects.get(number=2).content_hash
    assert list(validator(cookie_schema).iter_errors({**cookies, "release": "2"}))


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_a_release_of_an_earlier_snapshot_version_still_validates(client, releases, version):
    """Version 2 added a field the public view leaves out, versions 3 to 5 public fields: a
    release published before them (without those fields) is valid; a current one has them."""
    payload = client.get("/api/v1/releases/2.json").json()
    old = copy.deepcopy(payload)
    old["snapshot"]["schema_version"] = version
    for added_in, registers in localize.PUBLIC_FIELDS_ADDED.items():
        if version >= added_in:
            continue
        for register, fields in registers.items():
            rows = old["snapshot"][register]
            for row in [rows] if isinstance(rows, dict) else rows:
                for name in fields:
                    row.pop(name)
    schema = client.get("/api/v1/schema.json").json()
    assert list(validator(schema).iter_errors(old)) == []
    assert localize.public_schema(snapshot_schema())["properties"]["schema_version"] == {
        "enum": [1, 2, 3, 4, 5]
    }
    assert payload["snapshot"]["schema_version"] == 5
    assert all("parent" in row for row in payload["snapshot"]["data_categories"])
    assert all("website" in row for row in payload["snapshot"]["processors"])


def test_build_site_writes_the_schemas_and_names_them(releases, tmp_path):
    call_command("build_site", "-o", str(tmp_path), "--base-url", "https://privacy.example.com")
    schemas = {}
    for name in ("schema.json", "cookies.schema.json"):
        schema = json.loads((tmp_path / "api/v1" / name).read_text())
        assert schema["$id"] == f"https://privacy.example.com/api/v1/{name}"
        schemas[schema["$id"]] = validator(schema)
    files = sorted(Path(tmp_path, "api/v1").rglob("*.json"))
    checked = 0
    for path in files:
        if path.name.endswith("schema.json") or path.parent.name == "consent":
            continue  # the banners' configurations are in their libraries' formats
        payload = json.loads(path.read_text())
        assert list(schemas[payload["$schema"]].iter_errors(payload)) == [], path
        checked += 1
    assert checked == 1 + releases.count() + len(LANGUAGES)
    banners = sorted(path.name for path in Path(tmp_path, "api/v1/consent").iterdir())
    assert banners == ["cookieconsent.json", "klaro.json"]
