"""The public view: no unpublished value reaches any public response or the static export."""

import json

import pytest
from django.core.management import call_command

from compliance import localize, models
from compliance.releases import publish
from compliance.snapshot import REGISTER_NAMES, snapshot_schema
from tests import factories

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "pl", "cs", "de"]


def marker(model, field):
    return f"Secret{model.__name__}{field.name.title().replace('_', '')}"


def fill_private_fields(row):
    """Every private text field of `row` holds a value found nowhere else; returns them."""
    register = {
        models.Processor: "processors",
        models.Cookie: "cookies",
        models.StorageItem: "storage_items",
    }[type(row)]
    values = []
    for name in localize.PRIVATE_FIELDS[register]:
        field = row._meta.get_field(name)
        if field.get_internal_type() == "BooleanField":
            continue
        value = marker(type(row), field)
        if field.get_internal_type() == "EmailField" or "email" in name:
            value = f"{value.lower()}@hidden.example"
        # A translated field: every language column.
        columns = [f"{name}_{code}" for code in LANGUAGES] if hasattr(row, f"{name}_en") else [name]
        for column in columns:
            setattr(row, column, f"{value}{column[-3:] if column != name else ''}")
            values.append(getattr(row, column))
    row.save()
    return values


@pytest.fixture
def secrets(demo):
    """An unpublished contact and every private field of a processor, cookie and item filled."""
    hidden = factories.ContactFactory(
        role=models.ContactRole.PRIVACY_CONTACT,
        name="SecretContactName",
        title_en="SecretContactTitle",
        title_pl="SecretContactTitlePl",
        title_cs="SecretContactTitleCs",
        title_de="SecretContactTitleDe",
        email="secret.contact@hidden.example",
        phone="+420 777 000 999",
        postal_address="SecretStreet 7, Praha",
        published=False,
    )
    values = [
        hidden.name,
        hidden.title_en,
        hidden.title_pl,
        hidden.title_cs,
        hidden.title_de,
        hidden.email,
        hidden.phone,
        hidden.postal_address,
    ]
    values += fill_private_fields(models.Processor.objects.order_by("name").first())
    values += fill_private_fields(models.Cookie.objects.order_by("name").first())
    values += fill_private_fields(models.StorageItem.objects.order_by("name").first())
    # A planned sub-processor is not announced yet: neither it nor its measures (which would
    # name it) are public.
    planned = factories.ProcessorFactory(
        name="PlannedSecretCo", status=models.ProcessorStatus.PLANNED
    )
    measure = factories.TechnicalMeasureFactory(
        processor=planned, description_en="PlannedSecretMeasure encrypts the recordings at rest."
    )
    values += [planned.name, measure.description_en]
    publish(note="With private values")
    return values


def public_responses(client):
    urls = ["/api/v1/releases/latest.json", "/api/v1/releases/1.json", "/embed/cookies.js"]
    for code in LANGUAGES:
        urls += [
            f"/{code}/cookies/",
            f"/{code}/subprocessors/",
            f"/{code}/privacy/",
            f"/{code}/subprocessors/feed.atom",
            f"/api/v1/{code}/cookies.json",
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response.content.decode("utf-8")


def test_every_snapshot_field_is_decided_public_or_private():
    """A new model field must be named public or private before anything publishes it."""
    schema = snapshot_schema()
    for name in REGISTER_NAMES:
        definition = schema["properties"][name]
        row = definition["oneOf"][0] if name == "organisation" else definition["items"]
        fields = set(row["properties"])
        decided = localize.PUBLIC_FIELDS[name] | localize.PRIVATE_FIELDS.get(name, set())
        assert fields == decided, name


def test_no_unpublished_value_in_any_public_response(client, secrets):
    """Pages, feed, JSON and widget in every language hold none of the private values."""
    seen = 0
    for url, body in public_responses(client):
        for value in secrets:
            assert value not in body, (url, value)
        seen += 1
    assert seen == 23
    # The published parts are still there: the DPO's e-mail, a processor, a cookie.
    privacy = client.get("/en/privacy/").content.decode()
    published = models.Contact.objects.filter(published=True).exclude(email="").first()
    assert published.email in privacy
    data = client.get("/api/v1/releases/latest.json").json()["snapshot"]
    assert all(contact["published"] for contact in data["contacts"])
    assert data["processors"] and "contact_name" not in data["processors"][0]
    assert data["cookies"] and "necessity_justification" not in data["cookies"][0]


def test_no_unpublished_value_in_the_static_export(secrets, tmp_path):
    """build_site writes only the public view."""
    call_command("build_site", "-o", str(tmp_path))
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(files) > 20
    for path in files:
        body = path.read_bytes().decode("utf-8")
        for value in secrets:
            assert value not in body, (path, value)


def test_public_view_keeps_the_release_intact(secrets):
    """The stored release keeps everything (documents need it); only outputs are filtered."""
    release = models.Release.objects.get(number=1)
    stored = json.dumps(release.snapshot, ensure_ascii=False)
    assert all(value in stored for value in secrets)
    public = json.dumps(localize.public_view(release.snapshot), ensure_ascii=False)
    assert not any(value in public for value in secrets)


def test_draft_preview_shows_only_what_would_be_public(admin_client, secrets):
    """The staff preview renders the public view of the draft too."""
    body = admin_client.get("/preview/en/privacy/").content.decode()
    assert "SecretContactName" not in body


def test_public_json_validates_against_the_public_schema(client, secrets):
    """What the release JSON publishes is exactly the public view's documented structure; the
    full snapshot schema would require the fields the public view leaves out."""
    import jsonschema

    from compliance.snapshot import snapshot_schema

    data = client.get("/api/v1/releases/latest.json").json()["snapshot"]
    schema = localize.public_schema(snapshot_schema())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert list(validator.iter_errors(data)) == []
    assert list(jsonschema.Draft202012Validator(snapshot_schema()).iter_errors(data))


def test_a_public_view_is_cleaned_once(demo, monkeypatch):
    """public_view() removes control characters once per release; localize() does not walk
    the view again (at 50,000 items that walk was most of a page's first render), but still
    cleans a whole snapshot (the documents')."""
    from compliance.snapshot import build_snapshot

    snapshot = build_snapshot()
    snapshot["purposes"][0]["name"]["en"] = "Basic\x0bchat"
    view = localize.public_view(snapshot)
    assert "\x0b" not in json.dumps(view)
    walks = []
    original = localize.without_controls
    monkeypatch.setattr(
        localize, "without_controls", lambda tree: walks.append(1) or original(tree)
    )
    assert localize.localize(view, "en").purposes[0]["name"] == "Basic\nchat"
    assert walks == []
    assert localize.localize(snapshot, "en").purposes[0]["name"] == "Basic\nchat"
    assert walks == [1]


def test_without_controls_finds_every_control_character_in_a_structure():
    """The quick check (the structure written as JSON) sees every character the rule refuses,
    wherever it is; a clean structure comes back as it is, without a copy."""
    from compliance.sanitize import CONTROL_CHARACTERS, without_controls

    refused = [chr(code) for code in range(0x10000) if CONTROL_CHARACTERS.match(chr(code))]
    assert len(refused) == 32
    for character in refused:
        tree = {"rows": [{"name": {"en": f"a{character}b"}}], f"k{character}": 1}
        cleaned = without_controls(tree)
        assert not any(CONTROL_CHARACTERS.search(key) for key in cleaned)
        assert cleaned["rows"][0]["name"]["en"] in ("ab", "a\nb")
    clean = {"rows": [{"name": "tab\tand\nline \\b \\u000b"}]}
    assert without_controls(clean)["rows"][0]["name"] == clean["rows"][0]["name"]
    plain = {"rows": [{"name": "nothing to clean"}]}
    assert without_controls(plain) is plain
