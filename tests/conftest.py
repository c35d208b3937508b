import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.utils import translation

from compliance.demo import load_demo


@pytest.fixture
def demo(db):
    """The demo register, loaded."""
    load_demo()


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_public_caches():
    """Each test starts with no remembered release or rendered page."""
    from compliance import public

    public.forget()
    yield
    public.forget()


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A request through the test client leaves its language active in the thread (the
    locale middleware does not reset it): the next test starts in the default again."""
    yield
    translation.deactivate()


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def run_tasks(settings):
    """Tasks run as they are queued, in the test's process (the suite's default only records
    them: tests of the queue itself run real workers)."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def database_queue(settings):
    """Tasks are queued in the database, as in production (and nothing works them here)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def login(client, django_user_model):
    """Log the test client in as a staff user with one role."""

    def as_role(role):
        from django.contrib.auth.models import Group

        user = django_user_model.objects.create_user(
            role, f"{role}@example.com", "pw", is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return client

    return as_role


class Mailbox:
    """What the SMTP server received; `refuse` maps an address to a reply (e.g. "550 ...") and
    `fail_after` makes it answer 421 (come back later) once that many messages were taken."""

    def __init__(self):
        self.messages = []
        self.refuse = {}
        self.fail_after = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_after is not None and len(self.messages) >= self.fail_after:
                return "421 Service not available, closing transmission channel"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append((envelope.rcpt_tos[:], message))
        return "250 Message accepted"

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, and Django's e-mail settings pointing at it."""
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "notices@smartsupp.example"
    yield mailbox
    controller.stop()
