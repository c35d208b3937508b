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
