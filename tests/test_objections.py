"""Customers' objections to an intended sub-processor (compliance/objections.py): the public
form, open during the notice period only, its receipt, and the legal team's side (dashboard,
change notice, resolution)."""

import datetime
import re

import pytest
from django.urls import reverse

from compliance import objections, public_forms, subscriptions
from compliance.models import ChangeKind, ChangeNotice, Delivery, Objection
from compliance.releases import publish
from tests import factories
from tests.test_subscriptions import body, confirmed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_rate_limit_left():
    public_forms.rate_limit.counts.clear()
    yield
    public_forms.rate_limit.counts.clear()


@pytest.fixture
def addition(demo):
    """A release that announces a new sub-processor (its notice period runs from today)."""
    publish(note="First")
    factories.ProcessorFactory(name="Mailer GmbH", status="active")
    publish(note="Adds Mailer")
    return ChangeNotice.objects.get(kind=ChangeKind.ADDED, processor_name="Mailer GmbH")


def form_url(notice, language="en"):
    anchor = objections.subprocessors.from_notice(notice).anchor
    return f"/{language}/subprocessors/object/{anchor}/"


def send(client, notice, language="en", **fields):
    url = form_url(notice, language)
    html = client.get(url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    data = {
        "company": "Customer a.s.",
        "contact_name": "Jana Nováková",
        "email": "legal@customer.example",
        "reason": "Our contract forbids transfers to this provider.",
        "token": token,
        **fields,
    }
    return client.post(url, data)


def test_each_intended_addition_links_to_its_form(client, addition):
    page = client.get("/pl/subprocessors/").content.decode()
    assert f'href="{form_url(addition, "pl")}"' in page


def test_an_objection_is_kept_with_a_receipt_that_repeats_none_of_its_words(client, addition, smtp):
    response = send(client, addition, language="cs", reason="<script>alert(1)</script> no way")
    assert response.status_code == 200
    assert not response.cookies and response["Cache-Control"] == "no-store"
    objection = Objection.objects.get()
    assert objection.reference in response.content.decode()
    assert (objection.change_notice, objection.language) == (addition, "cs")
    assert objection.is_open and objection.ip_prefix == "127.0.0.0/24"
    assert subscriptions.send_queued() == 1
    [receipt] = smtp.to("legal@customer.example")
    assert objection.reference in receipt["Subject"]
    text = body(receipt)
    assert "Mailer GmbH" in text and objection.reference in text
    assert "script" not in text and "Customer a.s." not in text
    assert "List-Unsubscribe" not in receipt


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"company": ""}, "This field is required."),
        ({"company": "x" * 201}, "at most 200 characters"),
        ({"reason": "no"}, "Say in a few words why you object."),
        ({"reason": "r" * 5001}, "at most 5000 characters"),
        ({"contact_name": "Jana\x0bNováková"}, "U+000B"),
        ({"email": "legal@customer.example\r\nBcc: x@y.example"}, "Enter a valid email address."),
        ({"token": "forged"}, "The form has expired"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_kept(client, addition, fields, error):
    response = send(client, addition, **fields)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Objection.objects.exists() and not Delivery.objects.exists()


def test_the_honeypot_gets_a_receipt_page_and_nothing_is_kept(client, addition):
    response = send(client, addition, **{public_forms.HONEYPOT: "spam"})
    assert response.status_code == 200 and "OBJ-" in response.content.decode()
    assert not Objection.objects.exists() and not Delivery.objects.exists()


def test_objections_are_taken_during_the_notice_period_only(client, addition, monkeypatch):
    assert objections.is_open(addition, addition.notified_on)
    assert objections.is_open(addition, addition.objection_deadline)
    assert not objections.is_open(addition, addition.takes_effect_on)
    assert not objections.is_open(addition, addition.notified_on - datetime.timedelta(days=1))
    url = form_url(addition)
    token = re.search(r'name="token" value="([^"]+)"', client.get(url).content.decode()).group(1)
    monkeypatch.setattr(objections.timezone, "localdate", lambda: addition.takes_effect_on)
    closed = client.get(url)
    assert closed.status_code == 410
    assert addition.objection_deadline.isoformat() in closed.content.decode()
    posted = client.post(url, {"company": "C", "contact_name": "N", "email": "a@b.example",
                               "reason": "A reason long enough.", "token": token})  # fmt: skip
    assert posted.status_code == 410 and not Objection.objects.exists()


def test_only_announced_additions_have_a_form(client, addition):
    removal_anchor = f"change-{addition.release.number}-removed-mailer-gmbh"
    for anchor in (removal_anchor, "change-99-added-nobody", "../../admin", "change-x-added-a"):
        assert client.get(f"/en/subprocessors/object/{anchor}/").status_code == 404


def test_the_legal_team_sees_and_resolves_an_objection(client, addition, login):
    send(client, addition)
    objection = Objection.objects.get()
    editor = login("editor")
    dashboard = editor.get(reverse("admin:index")).content.decode()
    assert objection.reference in dashboard and "Customer a.s." in dashboard
    notice_page = editor.get(reverse("admin:compliance_changenotice_change", args=[addition.pk]))
    assert objection.reference in notice_page.content.decode()
    listing = editor.get(reverse("admin:compliance_changenotice_changelist")).content.decode()
    assert "field-open_objections" in listing

    url = reverse("admin:compliance_objection_change", args=[objection.pk])
    refused = editor.post(url, {"outcome": "other", "resolution_note": ""})
    assert refused.status_code == 200 and "Say how it was resolved." in refused.content.decode()
    done = editor.post(url, {"outcome": "withdrawn", "resolution_note": "Called them."})
    assert done.status_code == 302
    objection.refresh_from_db()
    assert not objection.is_open
    assert objection.resolved_by.username == "editor" and objection.resolved_at
    assert objection.company == "Customer a.s."  # nothing else changed
    assert 'id="open-objections"' not in editor.get(reverse("admin:index")).content.decode()


def test_a_viewer_reads_objections_but_resolves_nothing(client, addition, login):
    send(client, addition)
    objection = Objection.objects.get()
    viewer = login("viewer")
    url = reverse("admin:compliance_objection_change", args=[objection.pk])
    assert viewer.get(url).status_code == 200
    assert viewer.post(url, {"outcome": "withdrawn"}).status_code == 403
    assert Objection.objects.get().is_open


def test_what_a_customer_wrote_is_escaped_in_the_admin(client, addition, admin_client):
    send(client, addition, company='<img src=x onerror="alert(1)">')
    html = admin_client.get(reverse("admin:compliance_objection_changelist")).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html
    notice = admin_client.get(reverse("admin:compliance_changenotice_change", args=[addition.pk]))
    assert "<img src=x" not in notice.content.decode()


def test_the_notice_e_mail_links_each_addition_to_its_form(addition, smtp):
    confirmed("legal@customer.example")
    factories.ProcessorFactory(name="Archive AG", status="active")
    third = publish(note="Adds Archive")
    assert subscriptions.send_queued() == 1
    text = body(smtp.to("legal@customer.example")[0])
    notice = ChangeNotice.objects.get(release=third, processor_name="Archive AG")
    assert f"https://trust.example.com{form_url(notice)}" in text


def test_the_dashboard_counts_open_objections_in_bounded_queries(
    client, addition, admin_client, django_assert_max_num_queries
):
    for n in range(12):
        Objection.objects.create(
            change_notice=addition, reference=f"OBJ-TEST{n:04d}", company=f"C{n}",
            contact_name="N", email="a@b.example", reason="A reason.", language="en",
        )  # fmt: skip
    with django_assert_max_num_queries(60):
        html = admin_client.get(reverse("admin:index")).content.decode()
    assert "12 objections wait for an answer." in html
    assert html.count("OBJ-TEST") == 10  # the oldest ten named; the link lists them all
    assert "/admin/compliance/objection/?open=yes" in html
