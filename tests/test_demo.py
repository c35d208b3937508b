import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from compliance import models
from tests import factories

pytestmark = pytest.mark.django_db


def dump():
    out = io.StringIO()
    call_command("dumpdata", "compliance", "--natural-foreign", "--natural-primary", stdout=out)
    return out.getvalue()


def test_load_demo_loads_the_whole_seed(demo):
    """Organisation, DPO, data, purposes, every cookie and storage item, and the clause."""
    organisation = models.Organisation.objects.get()
    assert organisation.legal_name == "Smartsupp.com, s.r.o."
    assert organisation.registration_number == "036 68 681"
    assert "Šumavská 31" in organisation.address
    assert organisation.country == "CZ"
    assert organisation.data_location_pl == "W obrębie Unii Europejskiej"
    assert "nie przechowuje adresów IP" in organisation.privacy_by_default_pl

    dpo = models.Contact.objects.get(role=models.ContactRole.DPO)
    assert (dpo.name, dpo.email, dpo.published) == (
        "mgr Petra Stupková",
        "dpo@smartsupp.com",
        True,
    )

    contact = models.DataCategory.objects.get(slug="contact-data")
    assert list(contact.elements.values_list("name_pl", flat=True)) == [
        "Imię",
        "Nazwisko",
        "Adres e-mail",
        "Numer telefonu",
        "Dane kontaktowe kont na portalach społecznościowych",
    ]
    visits = models.DataCategory.objects.get(slug="visit-details")
    assert visits.elements.count() == 5
    assert visits.elements.filter(name_pl="Adres IP odwiedzającego").exists()

    basic = models.Purpose.objects.get(slug="basic-chat")
    assert (basic.legal_basis, basic.consent_required) == (
        models.LegalBasis.LEGITIMATE_INTERESTS,
        False,
    )
    advanced = models.Purpose.objects.get(slug="advanced-features")
    assert (advanced.legal_basis, advanced.consent_required) == (models.LegalBasis.CONSENT, True)
    assert set(basic.data_categories.all()) == {contact, visits}

    cookies = {c.name: c for c in models.Cookie.objects.select_related("provider")}
    assert set(cookies) == {
        "ssupp.vid",
        "ssupp.visits",
        "SL_C_<PROJECT_KEY>_KEY",
        "SL_C_<PROJECT_KEY>_SID",
        "SL_C_<PROJECT_KEY>_VID",
    }
    assert cookies["ssupp.vid"].category == "necessary"
    assert cookies["ssupp.visits"].category == "marketing"
    for name in ("SL_C_<PROJECT_KEY>_KEY", "SL_C_<PROJECT_KEY>_SID", "SL_C_<PROJECT_KEY>_VID"):
        assert cookies[name].provider.name == "Smartlook.com, s.r.o."
        assert cookies[name].category == "statistics"
        assert cookies[name].consent_required
        assert cookies[name].retention_display("pl") == "2 lata"
        assert cookies[name].matches(name.replace("<PROJECT_KEY>", "23361dd035530"))
    assert cookies["ssupp.vid"].retention_display("pl") == "6 miesięcy"
    assert cookies["ssupp.vid"].provider is None

    storage = sorted(models.StorageItem.objects.values_list("name", "category"))
    assert storage == [
        ("_ss.enableSounds", "preferences"),
        ("ssupp_<CHAT_KEY>", "marketing"),
        ("ssupp_<CHAT_KEY>", "necessary"),
        ("ssupp_<CHAT_KEY>message", "necessary"),
        ("ssupp_<CHAT_KEY>opened", "necessary"),
        ("ssupp_<CHAT_KEY>vid", "necessary"),
        ("ssupp_<CHAT_KEY>visits", "marketing"),
    ]
    assert all(item.retention_kind == "persistent" for item in models.StorageItem.objects.all())

    clauses = list(models.PolicyClause.objects.all())
    assert clauses[0].text_pl.startswith("Smartsupp.com, s.r.o., ID No.: 036 68 681")
    # The seed's wording, with the Regulation's term for legitimate interests (the seed's
    # "dobrze pojęty interes" is not the law's: compliance/glossary.py).
    assert clauses[1].text_pl.startswith(
        "Zapewnienie odpowiedniej obsługi klienta jest w naszym prawnie uzasadnionym interesie."
    )


def test_demo_is_written_in_every_language(demo):
    """Every demo text has its English, Polish, Czech and German version."""
    with translation.override("cs"):
        assert models.Purpose.objects.get(slug="basic-chat").name == "Základní chat"
    with translation.override("de"):
        assert models.DataCategory.objects.get(slug="contact-data").name == "Kontaktdaten"


def test_load_demo_twice_changes_nothing(demo):
    """A second run writes nothing and leaves every row as it was."""
    before = dump()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    assert dump() == before


def test_load_demo_repairs_an_edited_demo(demo):
    """A demo row edited by hand is put back; nothing is duplicated."""
    cookie = models.Cookie.objects.get(name="ssupp.vid")
    cookie.retention_value = 9
    cookie.save()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "1 updated" in out.getvalue()
    assert models.Cookie.objects.get(name="ssupp.vid").retention_value == 6
    assert models.Cookie.objects.count() == 5


def test_load_demo_refuses_another_organisations_register():
    """On a register that belongs to someone else, the command fails and changes nothing."""
    factories.OrganisationFactory(legal_name="Acme GmbH")
    before = dump()
    with pytest.raises(CommandError, match="Acme GmbH"):
        call_command("load_demo")
    assert dump() == before


def test_demo_login_prints_a_working_login(db):
    """demo_login creates a superuser and prints credentials that authenticate."""
    from django.contrib.auth import authenticate

    out = io.StringIO()
    call_command("demo_login", stdout=out)
    password = out.getvalue().split("password: ")[1].strip()
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_superuser


# Transactional: flush cannot TRUNCATE inside the test's transaction on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_register_round_trips_through_natural_key_fixtures(demo, tmp_path):
    """A fixture written with natural keys loads into an empty register as the same register."""
    fixture = tmp_path / "register.json"
    fixture.write_text(dump())
    before = dump()
    call_command("flush", "--no-input")
    assert not models.Cookie.objects.exists()
    call_command("loaddata", str(fixture), verbosity=0)
    assert dump() == before
    assert '"pk"' not in before  # rows are referred to by name, never by database id


def test_load_demo_can_publish_the_first_release(db):
    """--publish makes release 1 once; later runs publish nothing more."""
    call_command("load_demo", "--publish", stdout=io.StringIO())
    assert models.Release.objects.count() == 1
    call_command("load_demo", "--publish", stdout=io.StringIO())
    assert models.Release.objects.count() == 1
