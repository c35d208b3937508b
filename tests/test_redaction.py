"""Redacting a release (Art. 17) and the guards that keep releases immutable otherwise."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from compliance import documents, models
from compliance.localize import public_view
from compliance.releases import (
    RedactionRefused,
    TamperedRelease,
    publish,
    redact,
    verified_snapshot,
)
from compliance.snapshot import content_hash
from tests import factories
from tests.test_documents import flat, pdf_text

pytestmark = pytest.mark.django_db

NAME = "Jana Tajná"
EMAIL = "jana.tajna@hidden.example"


@pytest.fixture
def release_with_personal_data(demo):
    """Release 1 names a person twice: an unpublished contact and a processor's contact."""
    factories.ContactFactory(name=NAME, email=EMAIL, published=False)
    processor = models.Processor.objects.filter(status="active").order_by("name").first()
    processor.contact_name = NAME
    processor.save()
    return publish(note=f"Added {NAME} as a contact")


def squeezed(text):
    return "".join(text.split())


def everything_stored(release):
    release = models.Release.objects.get(pk=release.pk)
    texts = [str(release.snapshot), release.note]
    for notice in release.change_notices.all():
        texts += [notice.processor_name, str(notice.description), str(notice.processor)]
    return " ".join(texts)


def test_redaction_removes_the_values_everywhere_and_is_recorded(
    release_with_personal_data, admin_user
):
    release = release_with_personal_data
    pdf_before = documents.release_document(release, "annex", "en")
    # Extracted text may split a kerned pair ("T ajná"): compare without spaces.
    assert squeezed(NAME) in squeezed(" ".join(pdf_text(pdf_before)[1]))
    original_hash = release.content_hash

    redaction = redact(
        release, [(NAME, None), (EMAIL, "")], reason="Erasure request 41", user=admin_user
    )

    stored = models.Release.objects.get(pk=release.pk)
    assert NAME not in everything_stored(stored) and EMAIL not in everything_stored(stored)
    assert "[redacted]" in str(stored.snapshot) and stored.note == "Added [redacted] as a contact"
    assert stored.number == release.number
    # The hash is the redacted content's; the record keeps both, and who, when and why.
    assert stored.content_hash == content_hash(stored.snapshot) != original_hash
    assert verified_snapshot(stored) == stored.snapshot
    assert redaction.original_content_hash == original_hash
    assert redaction.content_hash == stored.content_hash
    assert redaction.redacted_by == admin_user and redaction.reason == "Erasure request 41"
    name, email = redaction.replacements
    assert name["occurrences"] == 3  # the contact, the processor's contact person, the note
    assert "note" in name["places"] and email["occurrences"] == 2  # the email and the key
    # The value itself is not kept in the record, only its hash.
    assert NAME not in str(redaction.replacements)
    # The stored PDF is gone and the new one has no trace of the name, and says why.
    pdf_after = documents.release_document(stored, "annex", "en")
    text = flat(" ".join(pdf_text(pdf_after)[1]))
    assert squeezed(NAME) not in squeezed(text)
    assert "Personal data was removed from this release on" in text


def test_public_outputs_say_the_release_was_redacted(client, release_with_personal_data):
    release = release_with_personal_data
    assert client.get("/en/cookies/").status_code == 200
    redact(release, [(NAME, None)], reason="Erasure request")
    page = client.get("/en/privacy/").content.decode()
    assert "Personal data was removed from this release on" in page
    data = client.get("/api/v1/releases/1.json").json()
    assert data["redactions"][0]["original_content_hash"] == release.content_hash
    assert data["content_hash"] == data["redactions"][0]["content_hash"]
    assert NAME not in str(data)
    assert client.get("/api/v1/en/cookies.json").json()["redacted_at"]


def test_redaction_refusals(release_with_personal_data, django_user_model):
    release = release_with_personal_data
    with pytest.raises(RedactionRefused, match="needs a reason"):
        redact(release, [(NAME, None)], reason=" ")
    with pytest.raises(RedactionRefused, match="does not occur in release 1"):
        redact(release, [("Nobody Atall", None)], reason="x")
    with pytest.raises(RedactionRefused, match="too short"):
        redact(release, [("Ja", None)], reason="x")
    with pytest.raises(RedactionRefused, match="invisible control character"):
        redact(release, [(NAME, "[gone]\x0b")], reason="x")
    with pytest.raises(RedactionRefused, match="reason contains an invisible control"):
        redact(release, [(NAME, None)], reason="eras\x0bure")
    editor = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    with pytest.raises(RedactionRefused, match="may not redact"):
        redact(release, [(NAME, None)], reason="x", user=editor)
    assert models.Redaction.objects.count() == 0
    assert models.Release.objects.get(pk=release.pk).content_hash == release.content_hash


def test_redact_command_over_every_release(release_with_personal_data):
    factories.CookieFactory(name="second_release")
    publish(note="Second")
    out = io.StringIO()
    call_command(
        "redact_release", "--all", "--value", NAME, "--reason", "Erasure request", stdout=out
    )
    assert "Release 1:" in out.getvalue() and "Release 2:" in out.getvalue()
    for release in models.Release.objects.all():
        assert NAME not in everything_stored(release)
    with pytest.raises(CommandError, match="None of the values occurs"):
        call_command("redact_release", "--all", "--value", NAME, "--reason", "again")


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_changing_a_release_outside_redaction(release_with_personal_data):
    """A raw UPDATE, past the application, is refused by the database itself."""
    release = release_with_personal_data
    with pytest.raises(DatabaseError, match="cannot be changed"):
        raw("UPDATE compliance_release SET note = %s WHERE id = %s", ["Rewritten", release.pk])
    with pytest.raises(DatabaseError, match="cannot be changed"):
        raw(
            "UPDATE compliance_release SET content_hash = %s WHERE id = %s",
            ["0" * 64, release.pk],
        )
    factories.ProcessorFactory(name="Second s.r.o.")
    second = publish(note="Second")
    notice = second.change_notices.first()
    with pytest.raises(DatabaseError, match="cannot be changed"):
        raw(
            "UPDATE compliance_changenotice SET takes_effect_on = %s WHERE id = %s",
            ["2030-01-01", notice.pk],
        )
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="cannot be changed or deleted"):
            raw("DELETE FROM compliance_changenotice WHERE id = %s", [notice.pk])
        with pytest.raises(DatabaseError, match="cannot be changed or deleted"):
            raw("DELETE FROM compliance_release WHERE id = %s", [second.pk])
    assert models.Release.objects.get(pk=release.pk).note.startswith("Added")


def forge(release, snapshot):
    """Change a release behind the application's back: a forged redaction record lets the
    database guard pass, but the content no longer matches the hash it claims."""
    import json

    from django.utils import timezone

    forged_hash = "f" * 64
    models.Redaction.objects.create(
        release=release,
        redacted_at=timezone.now(),
        reason="forged",
        replacements=[],
        original_content_hash=release.content_hash,
        content_hash=forged_hash,
    )
    raw(
        "UPDATE compliance_release SET snapshot = %s, content_hash = %s WHERE id = %s",
        [json.dumps(snapshot), forged_hash, release.pk],
    )


def test_tampered_release_is_refused_loudly(client, admin_user, release_with_personal_data, caplog):
    """Content changed behind the application's back is never served or rendered."""
    release = release_with_personal_data
    tampered = dict(
        release.snapshot,
        organisation={**release.snapshot["organisation"], "legal_name": "Someone Else Ltd"},
    )
    forge(release, tampered)
    response = client.get("/en/privacy/")
    assert response.status_code == 500
    assert "changed outside the application" in response.content.decode()
    assert "Someone Else Ltd" not in response.content.decode()
    assert client.get("/api/v1/releases/latest.json").status_code == 500
    assert any(record.levelname == "CRITICAL" for record in caplog.records)
    with pytest.raises(TamperedRelease):
        documents.release_document(models.Release.objects.get(pk=release.pk), "annex", "en")
    client.force_login(admin_user)
    page = client.get(f"/admin/compliance/release/{release.pk}/change/").content.decode()
    assert "changed outside the application" in page
    download = client.get("/admin/compliance/release/document/1/annex/en.pdf")
    assert download.status_code == 500 and b"changed outside" in download.content
    assert public_view(tampered)  # the check is on the stored hash, not on the content
