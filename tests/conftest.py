import pytest
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
