"""POST /api/v1/consent as the WSGI server calls it (compliance/consent_endpoint.py): answered
without the site's middleware, and answered the same as through the full application."""

import io
import json
import logging
import sys
import uuid

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application

from compliance import consent_log
from compliance.consent_endpoint import WithConsentEndpoint
from compliance.models import ConsentRecord, ScanSite
from compliance.releases import publish

# The endpoint sends the request signals, whose receivers close a connection that is in a
# transaction: each test commits, as a server's requests do.
pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "https://shop.example.com"
SECURITY_HEADERS = ["X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"]


@pytest.fixture
def release(demo):
    ScanSite.objects.create(name="Shop", base_url=SHOP + "/")
    return publish(note="First")


@pytest.fixture
def application():
    """The production WSGI application's shape: the endpoint in front of Django's handler (made
    in the test, so that settings the test changes are read)."""
    return WithConsentEndpoint(get_wsgi_application())


def record_of(release, **changes):
    return {
        "consent_id": str(uuid.uuid4()),
        "accepted": ["necessary", "statistics"],
        "rejected": ["preferences", "marketing"],
        "services_accepted": [],
        "services_rejected": [],
        "release": release.number,
        "content_hash": release.content_hash,
        "language": "pl",
        **changes,
    }


def call(application, body=b"", method="POST", host="localhost", scheme="http", **headers):
    """(status, headers, body) of one request, closed as a WSGI server closes it."""
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/api/v1/consent",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443" if scheme == "https" else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_HOST": host,
        "HTTP_ORIGIN": SHOP,
        "HTTP_USER_AGENT": "Mozilla/5.0 Test",
        "CONTENT_TYPE": "text/plain;charset=UTF-8",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **{"HTTP_" + name.upper(): value for name, value in headers.items()},
    }
    started = []
    result = application(environ, lambda status, headers, exc_info=None: started.append(
        (status, headers)
    ))  # fmt: skip
    try:
        content = b"".join(result)
    finally:
        result.close()
    status, response_headers = started[0]
    return int(status.split()[0]), dict(response_headers), content


def test_a_record_is_kept_and_answered_as_the_full_application_answers(application, release):
    status, headers, content = call(application, record_of(release))
    assert (status, content) == (204, b"")
    record = ConsentRecord.objects.get()
    assert record.origin == SHOP and record.ip_prefix == "203.0.113.0/24"
    assert record.site.name == "Shop"
    full_status, full_headers, _ = call(application.application, record_of(release))
    assert full_status == 204 and ConsentRecord.objects.count() == 2
    for name in [*SECURITY_HEADERS, "X-Frame-Options", "Access-Control-Allow-Origin"]:
        assert headers[name] == full_headers[name], name
    for name in ["Cache-Control", "Vary", "Content-Length"]:
        assert headers[name] == full_headers[name], name
    assert "Set-Cookie" not in headers and "Set-Cookie" not in full_headers


def test_a_refusal_says_why_in_the_language_asked_for(application, release, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        status, headers, content = call(
            application, record_of(release, language="xx"), accept_language="pl"
        )
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert "„language” musi być jednym z" in json.loads(content)["error"]
    assert ConsentRecord.objects.count() == 0
    assert "Bad Request: /api/v1/consent" in caplog.text  # logged as Django logs a 4xx
    status, _headers, content = call(application, record_of(release, language="xx"))
    assert status == 400 and "“language” must be one of" in json.loads(content)["error"]


@pytest.mark.parametrize(
    "body, status",
    [
        (b"{" * 100_000, 413),  # past CONSENT_MAX_BODY_BYTES
        (b"\x00\x1b<script>alert(1)</script>", 400),
        (None, 400),  # a service name with markup and a control character
    ],
)
def test_hostile_bodies_are_refused_and_nothing_is_kept(application, release, body, status):
    if body is None:
        body = record_of(release, services_accepted=["<img src=x onerror=alert(1)>\u0007"])
    got, headers, content = call(application, body)
    assert got == status and headers["Content-Type"] == "application/json"
    assert "<" not in json.loads(content)["error"]
    assert ConsentRecord.objects.count() == 0


def test_an_unregistered_origin_is_refused(application, release):
    status, headers, _ = call(application, record_of(release), origin="https://evil.example")
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    assert ConsentRecord.objects.count() == 0


def test_a_host_not_allowed_is_answered_by_the_full_application(application, release, settings):
    settings.ALLOWED_HOSTS = ["register.example.com"]
    status, _headers, _ = call(application, record_of(release), host="attacker.example")
    assert status == 400  # DisallowedHost, as on every other path
    assert ConsentRecord.objects.count() == 0
    status, _headers, _ = call(application, record_of(release), host="register.example.com")
    assert status == 204 and ConsentRecord.objects.count() == 1


def test_a_disallowed_user_agent_is_refused_as_everywhere(release, settings):
    import re

    settings.DISALLOWED_USER_AGENTS = [re.compile("BadBot")]
    application = WithConsentEndpoint(get_wsgi_application())
    status, _headers, _ = call(application, record_of(release), user_agent="BadBot/1.0")
    assert status == 403 and ConsentRecord.objects.count() == 0


def test_plain_http_is_redirected_when_https_is_enforced(release, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    application = WithConsentEndpoint(get_wsgi_application())
    status, headers, _ = call(application, record_of(release))
    assert status == 301 and headers["Location"].startswith("https://")
    assert ConsentRecord.objects.count() == 0
    status, headers, _ = call(application, record_of(release), scheme="https")
    assert status == 204 and headers["Strict-Transport-Security"] == "max-age=3600"


def test_other_methods_and_paths_go_to_the_full_application(application, release):
    status, headers, _ = call(application, method="OPTIONS")
    assert status == 204 and headers["Access-Control-Allow-Methods"] == "POST"
    status, headers, _ = call(application, method="GET")
    assert status == 405 and headers["Allow"] == "POST, OPTIONS"


def test_a_failure_is_answered_500_logged_and_the_request_finished(
    application, release, monkeypatch, caplog
):
    finished = []

    def fail(values):
        raise RuntimeError("the database went away")

    def on_finished(sender, **kwargs):
        finished.append(sender)

    monkeypatch.setattr(consent_log, "insert", fail)
    signals.request_finished.connect(on_finished)
    try:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            status, _headers, content = call(application, record_of(release))
    finally:
        signals.request_finished.disconnect(on_finished)
    assert status == 500 and b"database went away" not in content
    assert "the database went away" in caplog.text
    assert finished == [WithConsentEndpoint]  # database connections checked as after any request
