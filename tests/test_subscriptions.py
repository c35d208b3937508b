"""E-mail notices of sub-processor changes (compliance/subscriptions.py): the public form with
double opt-in, the signed links, the notices sent on publishing, and what a crash or a mail
server's refusal does, against a real SMTP server (aiosmtpd) started by the test."""

import datetime
import re

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from compliance import public_forms, subscriptions
from compliance.email_url import EmailUrlError, email_settings
from compliance.models import (
    ChangeNotice,
    Delivery,
    DeliveryState,
    Subscriber,
    SubscriberState,
)
from compliance.releases import publish
from compliance.worker import Heartbeat
from tests import factories

pytestmark = pytest.mark.django_db

FORM = "/{language}/subprocessors/subscribe/"


@pytest.fixture
def release(demo):
    return publish(note="First")


@pytest.fixture(autouse=True)
def no_rate_limit_left():
    public_forms.rate_limit.counts.clear()
    yield
    public_forms.rate_limit.counts.clear()


def form_token(client, language="en"):
    html = client.get(FORM.format(language=language)).content.decode()
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def subscribe(client, address, language="en", **fields):
    data = {"email": address, "language": language, "token": form_token(client), **fields}
    return client.post(FORM.format(language="en"), data)


def body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def link(message, kind):
    return re.search(rf"https?://\S+/subprocessors/{kind}/\S+/", body(message)).group(0)


def confirmed(address, language="en"):
    return Subscriber.objects.create(
        email=address,
        language=language,
        state=SubscriberState.CONFIRMED,
        confirmed_at=timezone.now(),
        base_url="https://trust.example.com",
    )


def announce(name="Mailer GmbH"):
    """Publish a release that adds a sub-processor (so it carries a change notice)."""
    factories.ProcessorFactory(name=name, status="active")
    return publish(note=f"Adds {name}")


def test_the_form_sets_no_cookie_and_may_post_only_to_us(client, release):
    """The form page is made per request (fresh token), never cached, sets no cookie."""
    response = client.get(FORM.format(language="pl"))
    assert response.status_code == 200
    assert not response.cookies and "Set-Cookie" not in response
    assert response["Cache-Control"] == "no-store"
    assert "form-action 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert 'name="token"' in html and f'name="{public_forms.HONEYPOT}"' in html
    assert 'lang="pl"' in html
    page = client.get("/en/subprocessors/").content.decode()
    assert 'href="/en/subprocessors/subscribe/"' in page


def test_double_opt_in_from_the_form_to_a_confirmed_address(client, release, smtp):
    """The form queues a confirmation; only its link (posted, not merely opened) confirms."""
    response = subscribe(client, "Legal@Customer.example", language="pl")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert not response.cookies
    subscriber = Subscriber.objects.get()
    assert (subscriber.state, subscriber.language) == (SubscriberState.PENDING, "pl")
    assert subscriber.ip_prefix == "127.0.0.0/24"

    assert subscriptions.send_queued() == 1
    [message] = smtp.to("Legal@Customer.example")
    assert "Potwierdź" in message["Subject"]
    # The name ends with its own full stop ("s.r.o."): no sentence ends right after it.
    assert "Smartsupp.com, s.r.o." in body(message) and ".." not in body(message)
    confirm_url = link(message, "confirm")
    assert message["List-Unsubscribe"].strip() == f"<{link(message, 'unsubscribe')}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    path = confirm_url.split("testserver", 1)[1]
    opened = client.get(path)  # a mail scanner opening the link
    assert opened.status_code == 200 and "<form" in opened.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.PENDING
    assert client.post(path).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.CONFIRMED and subscriber.confirmed_at


def test_the_answer_is_the_same_whoever_is_subscribed(client, release, smtp):
    """A confirmed address is sent nothing new, and a pending one at most one confirmation per
    quarter hour: the form can neither tell who subscribed nor flood a mailbox."""
    confirmed("known@customer.example")
    first = subscribe(client, "known@customer.example").content
    second = subscribe(client, "new@customer.example").content
    subscribe(client, "new@customer.example")
    assert first == second
    assert list(Delivery.objects.values_list("email", flat=True)) == ["new@customer.example"]


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"email": "a@b.example\nBcc: victim@example.com"}, "Enter a valid email address."),
        ({"email": "x" * 250 + "@b.example"}, "at most 254 characters"),
        ({"email": ""}, "This field is required."),
        ({"language": "xx"}, "Select a valid choice."),
        ({"token": "forged"}, "The form has expired or was not sent from this page"),
        ({"token": ""}, "The form has expired or was not sent from this page"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_kept(client, release, fields, error):
    response = subscribe(client, "ok@customer.example", **fields)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Subscriber.objects.exists() and not Delivery.objects.exists()
    # The form comes back with a fresh token: sent again as it is, it works.
    assert re.search(r'name="token" value="[^"]+"', response.content.decode())


def test_an_old_form_or_one_for_another_purpose_is_refused(client, release, settings):
    settings.PUBLIC_FORM_MAX_AGE_SECONDS = 0
    response = subscribe(client, "ok@customer.example")
    assert response.status_code == 400
    other = signing.dumps({"form": "objection"}, salt=public_forms.TOKEN_SALT)
    settings.PUBLIC_FORM_MAX_AGE_SECONDS = 3600
    response = subscribe(client, "ok@customer.example", token=other)
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


def test_the_honeypot_keeps_nothing_and_says_nothing(client, release):
    response = subscribe(client, "bot@spam.example", **{public_forms.HONEYPOT: "http://x"})
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_submissions_per_address_are_limited(client, release, settings, monkeypatch):
    # Within one window (the requests could otherwise straddle the end of an hour).
    monkeypatch.setattr(public_forms.rate_limit, "clock", lambda: 30.0)
    settings.PUBLIC_FORM_RATE_PER_HOUR = 2
    assert subscribe(client, "a@customer.example").status_code == 200
    assert subscribe(client, "b@customer.example").status_code == 200
    refused = subscribe(client, "c@customer.example")
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert Subscriber.objects.count() == 2


def test_damaged_expired_or_foreign_links_are_refused(client, release, settings):
    subscriber = Subscriber.objects.create(email="a@customer.example", language="en", base_url="")
    token = subscriptions.confirm_token(subscriber)
    for bad in (token[:-2] + "xx", subscriptions.unsubscribe_token(subscriber)):
        response = client.post(f"/en/subprocessors/confirm/{bad}/")
        assert response.status_code == 400 and "not valid" in response.content.decode()
    settings.SUBSCRIPTION_CONFIRM_HOURS = 0
    assert client.post(f"/en/subprocessors/confirm/{token}/").status_code == 400
    # A link stays bound to its address: the row given to another address does not answer it.
    settings.SUBSCRIPTION_CONFIRM_HOURS = 72
    Subscriber.objects.filter(pk=subscriber.pk).update(email="other@customer.example")
    assert client.post(f"/en/subprocessors/confirm/{token}/").status_code == 400
    assert Subscriber.objects.get().state == SubscriberState.PENDING


def test_one_click_unsubscribe_and_nothing_on_merely_opening(client, release):
    """RFC 8058: the mail program's POST unsubscribes at once; a GET only shows a button."""
    subscriber = confirmed("a@customer.example")
    path = f"/de/subprocessors/unsubscribe/{subscriptions.unsubscribe_token(subscriber)}/"
    assert client.get(path).status_code == 200
    assert Subscriber.objects.get().state == SubscriberState.CONFIRMED
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="text/plain")
    assert response.status_code == 200 and not response.cookies
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED and subscriber.unsubscribed_at
    # An old confirmation link does not bring it back.
    client.post(f"/de/subprocessors/confirm/{subscriptions.confirm_token(subscriber)}/")
    assert Subscriber.objects.get().state == SubscriberState.UNSUBSCRIBED


def test_publishing_tells_each_confirmed_subscriber_once_in_their_language(release, smtp):
    confirmed("pl@customer.example", "pl")
    confirmed("de@customer.example", "de")
    Subscriber.objects.create(email="pending@customer.example", language="en", base_url="")
    gone = confirmed("gone@customer.example")
    Subscriber.objects.filter(pk=gone.pk).update(state=SubscriberState.UNSUBSCRIBED)

    second = announce("Mailer GmbH")
    notice = ChangeNotice.objects.get(release=second)
    assert Delivery.objects.filter(release=second).count() == 2
    assert subscriptions.send_queued() == 2

    [polish] = smtp.to("pl@customer.example")
    text = body(polish)
    assert "Mailer GmbH" in polish["Subject"] or "Mailer GmbH" in text
    assert f"wydanie {second.number}" in polish["Subject"].lower() or str(second.number) in text
    assert notice.takes_effect_on.isoformat() in text
    assert notice.objection_deadline.isoformat() in text
    assert f"https://trust.example.com/pl/subprocessors/#intended-change-{second.number}" in text
    assert (
        polish["List-Unsubscribe"]
        .strip()
        .startswith("<https://trust.example.com/pl/subprocessors/")
    )
    assert polish["Message-ID"].endswith("@smartsupp.example>")
    [german] = smtp.to("de@customer.example")
    assert "Unterauftragsverarbeiter" in german["Subject"]
    assert not smtp.to("pending@customer.example") and not smtp.to("gone@customer.example")
    # A release without notices sends nothing; running again sends nothing twice.
    assert subscriptions.send_queued() == 0
    assert len(smtp.messages) == 2


def test_a_mail_server_going_away_midway_neither_loses_nor_doubles(release, smtp):
    """The server takes two e-mails, then answers 421: the run stops, the rest stay queued;
    the next run sends exactly those."""
    addresses = [f"c{n}@customer.example" for n in range(5)]
    for address in addresses:
        confirmed(address)
    second = announce()
    smtp.fail_after = 2
    with pytest.raises(subscriptions.SendingInterrupted):
        subscriptions.send_queued()
    states = list(Delivery.objects.values_list("state", flat=True))
    assert states.count(DeliveryState.SENT) == 2
    assert states.count(DeliveryState.QUEUED) == 3
    smtp.fail_after = None
    assert subscriptions.send_queued() == 3
    assert sorted(len(smtp.to(address)) for address in addresses) == [1] * 5
    assert set(Delivery.objects.filter(release=second).values_list("state", flat=True)) == {
        DeliveryState.SENT
    }


def test_an_e_mail_cut_off_by_a_crash_is_sent_again_and_a_live_one_is_left(release, smtp):
    """A delivery "sending" for longer than the lease lost its worker: it goes again (with
    the same Message-ID); one claimed a moment ago belongs to a live worker."""
    confirmed("crashed@customer.example")
    confirmed("busy@customer.example")
    announce()
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Delivery.objects.filter(email="crashed@customer.example").update(
        state=DeliveryState.SENDING, claimed_at=long_ago, attempts=1
    )
    Delivery.objects.filter(email="busy@customer.example").update(
        state=DeliveryState.SENDING, claimed_at=timezone.now(), attempts=1
    )
    assert subscriptions.send_queued() == 1
    assert len(smtp.to("crashed@customer.example")) == 1
    assert not smtp.to("busy@customer.example")
    crashed = Delivery.objects.get(email="crashed@customer.example")
    assert (crashed.state, crashed.attempts) == (DeliveryState.SENT, 2)


def test_an_address_the_server_refuses_is_a_bounce_and_the_others_go(release, smtp):
    confirmed("nobody@customer.example")
    confirmed("legal@customer.example")
    announce()
    smtp.refuse["nobody@customer.example"] = "550 5.1.1 No such user"
    assert subscriptions.send_queued() == 1
    bounced = Delivery.objects.get(email="nobody@customer.example")
    assert bounced.state == DeliveryState.BOUNCED and "No such user" in bounced.error
    assert len(smtp.to("legal@customer.example")) == 1


def test_removed_or_unsubscribed_before_sending_gets_nothing(release, smtp):
    subscriber = confirmed("late@customer.example")
    announce()
    subscriptions.unsubscribe(subscriber)
    assert subscriptions.send_queued() == 0
    assert Delivery.objects.get().state == DeliveryState.CANCELLED
    assert not smtp.messages


def test_publishing_queues_the_sending_task(release):
    """With the release, in its transaction: a release never exists without its e-mails."""
    from django_tasks import default_task_backend

    confirmed("a@customer.example")
    default_task_backend.clear()
    announce()
    names = [result.task.name for result in default_task_backend.results]
    assert "send_emails" in names


def test_the_heartbeat_queues_sending_while_e_mails_wait(release, settings):
    from django_tasks import default_task_backend

    confirmed("a@customer.example")
    announce()
    default_task_backend.clear()
    heartbeat = Heartbeat("w1")
    heartbeat.queue_email_sending()
    assert not default_task_backend.results  # just queued: its own task is on the way
    Delivery.objects.update(queued_at=timezone.now() - datetime.timedelta(hours=1))
    heartbeat.emails_queued_at = None
    heartbeat.queue_email_sending()
    assert [result.task.name for result in default_task_backend.results] == ["send_emails"]


def test_the_admin_lists_subscribers_and_deliveries_and_an_editor_removes_one(
    client, release, login, django_assert_max_num_queries
):
    confirmed("a@customer.example")
    for n in range(5):
        confirmed(f"s{n}@customer.example")
    announce()
    Delivery.objects.filter(email="a@customer.example").update(
        state=DeliveryState.BOUNCED, error="550 No such user"
    )
    editor = login("editor")
    for url in ("compliance_subscriber_changelist", "compliance_delivery_changelist"):
        with django_assert_max_num_queries(20):
            response = editor.get(reverse(f"admin:{url}"))
        assert response.status_code == 200
    bounces = editor.get(reverse("admin:compliance_delivery_changelist") + "?problem=bounced")
    assert "a@customer.example" in bounces.content.decode()
    assert "s1@customer.example" not in bounces.content.decode()
    subscriber = Subscriber.objects.get(email="a@customer.example")
    delete = reverse("admin:compliance_subscriber_delete", args=[subscriber.pk])
    assert editor.post(delete, {"post": "yes"}).status_code == 302
    assert not Subscriber.objects.filter(email="a@customer.example").exists()
    # The log keeps what was sent to whom.
    assert Delivery.objects.filter(email="a@customer.example").exists()


def test_a_viewer_reads_but_cannot_remove_or_add(client, release, login):
    subscriber = confirmed("a@customer.example")
    viewer = login("viewer")
    assert viewer.get(reverse("admin:compliance_subscriber_changelist")).status_code == 200
    delete = reverse("admin:compliance_subscriber_delete", args=[subscriber.pk])
    assert viewer.post(delete, {"post": "yes"}).status_code == 403
    assert viewer.get(reverse("admin:compliance_subscriber_add")).status_code == 403
    assert Subscriber.objects.exists()


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "smtp://user:p%40ss@mail.example.com:587",
            {"EMAIL_HOST": "mail.example.com", "EMAIL_PORT": 587, "EMAIL_USE_TLS": True,
             "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "user", "EMAIL_HOST_PASSWORD": "p@ss"},
        ),
        ("smtps://mail.example.com", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True,
                                      "EMAIL_USE_TLS": False}),
        ("smtp://localhost:25?tls=off", {"EMAIL_PORT": 25, "EMAIL_USE_TLS": False}),
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    ],
)  # fmt: skip
def test_email_url(url, expected):
    settings = email_settings(url)
    assert {key: settings[key] for key in expected} == expected


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://host:port"])
def test_a_wrong_email_url_says_what_is_wrong(url):
    with pytest.raises(EmailUrlError, match="EMAIL_URL"):
        email_settings(url)
