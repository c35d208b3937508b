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
