"""Proof of consent: POST /api/v1/consent (compliance/consent_log.py), the read-only admin, the
CSV export, the dashboard's chart and the retention task."""

import datetime
import json
import uuid

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from compliance import consent_log
from compliance.models import ConsentRecord, ImmutableError, ScanSite
from compliance.releases import publish
from compliance.tasks import delete_expired_consent_records

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example.com"
URL = "/api/v1/consent"


@pytest.fixture
def release(demo):
    ScanSite.objects.create(name="Shop", base_url=SHOP + "/")
    return publish(note="First")


def payload(shown, **changes):
    """What a banner posts after showing release `shown`."""
    return {
        "consent_id": str(uuid.uuid4()),
        "accepted": ["necessary", "statistics"],
        "rejected": ["preferences", "marketing"],
        "services_accepted": ["smartlook-com-s-r-o"],
        "services_rejected": [],
        "release": shown.number,
        "content_hash": shown.content_hash,
        "language": "pl",
        **changes,
    }


def post(client, body, origin=SHOP, content_type="application/json", **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    extra = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(URL, data, content_type=content_type, **extra, **headers)


def test_a_choice_is_recorded_with_what_the_server_adds(client, release):
    sent = payload(release)
    response = post(client, sent, HTTP_USER_AGENT="Mozilla/5.0 Test")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert not response.cookies and "Set-Cookie" not in response
    record = ConsentRecord.objects.get()
    assert str(record.consent_id) == sent["consent_id"]
    assert (record.accepted, record.rejected) == (["necessary", "statistics"], sent["rejected"])
    assert (record.preferences, record.statistics, record.marketing) == (False, True, False)
    assert record.services_accepted == ["smartlook-com-s-r-o"]
    assert (record.release_number, record.content_hash) == (release.number, release.content_hash)
    assert record.site.name == "Shop" and record.origin == SHOP and record.language == "pl"
    assert record.ip_prefix == "127.0.0.0/24"  # never the whole address
    assert len(record.user_agent_hash) == 64 and "Mozilla" not in record.user_agent_hash
    assert timezone.now() - record.recorded_at < datetime.timedelta(minutes=1)


def test_a_beacon_sends_plain_text(client, release):
    """navigator.sendBeacon posts text/plain (no CORS preflight): accepted alike."""
    response = post(client, json.dumps(payload(release)), content_type="text/plain;charset=UTF-8")
    assert response.status_code == 204 and ConsentRecord.objects.count() == 1


def test_only_registered_sites_may_record(client, release):
    for origin in ("https://evil.example.com", None, "null", "https://shop.example.com:8443"):
        response = post(client, payload(release), origin=origin)
        assert response.status_code == 403, origin
        assert "Access-Control-Allow-Origin" not in response
    assert ConsentRecord.objects.count() == 0


def test_the_preflight_answers_registered_origins_only(client, release):
    allowed = client.options(URL, HTTP_ORIGIN=SHOP)
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == SHOP
    assert allowed["Access-Control-Allow-Methods"] == "POST"
    assert allowed["Access-Control-Allow-Headers"] == "Content-Type"
    refused = client.options(URL, HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in refused
    assert client.get(URL, HTTP_ORIGIN=SHOP).status_code == 405


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent_id": "not-a-uuid"}, "consent_id"),
        ({"accepted": ["necessary", "tracking"]}, "accepted"),
        ({"accepted": "statistics"}, "accepted"),
        ({"accepted": ["statistics"], "rejected": ["statistics"]}, "both"),
        ({"accepted": ["statistics"], "rejected": ["necessary"]}, "Necessary"),
        ({"release": "1"}, "release"),
        ({"release": 99}, "published"),
        ({"content_hash": "0" * 64}, "published"),
        ({"language": "fr"}, "language"),
        ({"services_accepted": ["x" * 101]}, "services_accepted"),
        ({"services_rejected": [1]}, "services_rejected"),
        ({"services_accepted": ['=HYPERLINK("x")']}, "services_accepted"),
        ({"services_accepted": ["chat\u0000"]}, "services_accepted"),
        ({"services_rejected": ["<script>"]}, "services_rejected"),
    ],
)
def test_bad_records_are_refused_saying_what_is_wrong(client, release, change, field):
    response = post(client, payload(release, **change))
    assert response.status_code == 400
    assert field in response.json()["error"]
    assert ConsentRecord.objects.count() == 0


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b"\xff\xfe", b"", b"[" * 2000 + b"]" * 2000]
)
def test_a_body_that_is_not_a_json_object_is_refused(client, release, body):
    response = post(client, body)
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_size_and_rate_are_limited(client, release, settings, monkeypatch):
    # Within one window (four requests could otherwise straddle the end of a minute).
    monkeypatch.setattr(consent_log.rate_limit, "clock", lambda: 30.0)
    settings.CONSENT_MAX_BODY_BYTES = 600
    big = payload(release, services_accepted=["s" * 90] * 20)
    assert post(client, big).status_code == 413
    settings.CONSENT_MAX_BODY_BYTES = 4096
    consent_log.rate_limit.counts.clear()  # the refused one counted too
    settings.CONSENT_RATE_PER_MINUTE = 3
    answers = [post(client, payload(release)).status_code for _ in range(4)]
    assert answers == [204, 204, 204, 429]
    assert ConsentRecord.objects.count() == 3


@override_settings(BEHIND_PROXY=True)
def test_behind_a_proxy_the_address_it_adds_counts(client, release):
    post(client, payload(release), HTTP_X_FORWARDED_FOR="10.9.9.9, 2001:db8:1234:5678::1")
    assert ConsentRecord.objects.get().ip_prefix == "2001:db8:1234::/48"


def test_a_redacted_releases_hashes_are_published_declarations(release):
    """A banner loaded before a redaction shows the release's earlier content hash: still a
    declaration that was published."""
    from compliance.models import Redaction

    hashes = consent_log.ReleaseHashes()
    assert hashes.published(release.number, release.content_hash)
    Redaction.objects.create(
        release=release, redacted_at=timezone.now(), reason="Art. 17 request", replacements=[],
        original_content_hash="a" * 64, content_hash="b" * 64,
    )  # fmt: skip
    assert hashes.published(release.number, "a" * 64)
    assert hashes.published(release.number, "b" * 64)
    assert not hashes.published(release.number, "c" * 64)


def test_records_are_never_changed_or_deleted_one_by_one(client, release, admin_client):
    post(client, payload(release))
    record = ConsentRecord.objects.get()
    record.language = "de"
    with pytest.raises(ImmutableError):
        record.save()
    with pytest.raises(ImmutableError):
        record.delete()
    change_url = reverse("admin:compliance_consentrecord_change", args=[record.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200 and b'name="origin"' not in page.content
    assert admin_client.post(change_url, {"language": "de"}).status_code == 403
    delete_url = reverse("admin:compliance_consentrecord_delete", args=[record.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:compliance_consentrecord_add")).status_code == 403
    assert ConsentRecord.objects.get().language == "pl"


def test_a_visitors_records_are_found_by_consent_id(client, release, admin_client):
    sent = payload(release)
    post(client, sent)
    post(client, payload(release))
    changelist = reverse("admin:compliance_consentrecord_changelist")
    found = admin_client.get(changelist, {"q": sent["consent_id"]})
    assert sent["consent_id"].encode() in found.content
    assert found.context["cl"].result_count == 1
    nonsense = admin_client.get(changelist, {"q": "<script>"})
    assert nonsense.context["cl"].result_count == 0
    assert b"<script>" not in nonsense.content


def test_a_period_is_exported_as_csv(client, release, admin_client):
    for _n in range(3):
        post(client, payload(release))
    url = reverse("admin:compliance_consentrecord_export")
    assert admin_client.get(url).status_code == 200  # the form
    today = timezone.localdate().isoformat()
    response = admin_client.get(url, {"start": today, "end": today})
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("consent_id,recorded_at,origin,accepted")
    assert len(lines) == 4 and "necessary statistics" in lines[1]
    backwards = admin_client.get(url, {"start": today, "end": "2020-01-01"})
    assert b"ends before it starts" in backwards.content


def test_a_viewer_may_read_and_export_but_nobody_may_change(client, release, login):
    post(client, payload(release))
    viewer = login("viewer")
    assert viewer.get(reverse("admin:compliance_consentrecord_changelist")).status_code == 200
    assert viewer.get(reverse("admin:compliance_consentrecord_export")).status_code == 200


def test_expired_records_are_deleted_in_batches(client, release, settings):
    settings.CONSENT_RETENTION_DAYS = 30
    for _n in range(5):
        post(client, payload(release))
    old = timezone.now() - datetime.timedelta(days=31)
    ConsentRecord.objects.filter(
        pk__in=list(ConsentRecord.objects.values_list("pk", flat=True)[:3])
    ).update(recorded_at=old)
    assert consent_log.delete_expired(batch_size=2) == 3
    assert ConsentRecord.objects.count() == 2
    assert delete_expired_consent_records.call() == 0


def test_the_dashboard_charts_the_answers_per_category_and_day(client, release, admin_client):
    post(client, payload(release))
    post(client, payload(release, accepted=["necessary"], rejected=["statistics"]))
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="consent-chart"' in page
    assert "50 % (1 of 2)" in page  # statistics: one yes, one no
    assert "0 % (0 of 1)" in page  # preferences, marketing: refused once, not asked once


def test_workers_queue_the_cleanup_daily_and_only_when_something_expired(
    client, release, settings, monkeypatch
):
    from compliance import tasks, worker

    queued = []
    monkeypatch.setattr(tasks, "enqueue", lambda work, *args, **kw: queued.append(work))
    heartbeat = worker.Heartbeat("test-worker")
    heartbeat.queue_consent_cleanup()
    assert queued == []  # nothing expired: no task
    settings.CONSENT_RETENTION_DAYS = 30
    post(client, payload(release))
    ConsentRecord.objects.update(recorded_at=timezone.now() - datetime.timedelta(days=40))
    heartbeat.queue_consent_cleanup()
    assert queued == []  # looked at already today
    heartbeat.cleanup_queued_at -= worker.CLEANUP_EVERY
    heartbeat.queue_consent_cleanup()
    assert queued == [tasks.delete_expired_consent_records]


def test_a_new_window_starts_the_counts_again(settings):
    from compliance.rate_limit import RateLimit

    settings.CONSENT_RATE_PER_MINUTE = 1
    limit, now = RateLimit(60, "CONSENT_RATE_PER_MINUTE"), [59.9]
    limit.clock = lambda: now[0]
    assert limit.allow("a") and not limit.allow("a") and limit.allow("b")
    now[0] = 60.0
    assert limit.allow("a") and not limit.allow("a")
