"""The Fides taxonomy as a starting library: loaded with its hierarchy and keys, data uses as
purposes whose legal basis a person must choose, nothing overwritten, and a register that
exports and imports with it."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from reversion.models import Version

from compliance import backup, fides, health
from compliance.imports import import_file
from compliance.models import DataCategory, DataSubjectCategory, Purpose
from compliance.releases import PublishRefused, publish
from compliance.snapshot import build_snapshot, content_hash
from tests.test_backup import empty_register

pytestmark = pytest.mark.django_db


def current(terms):
    return [term for term in terms if not term.version_deprecated]


@pytest.fixture
def loaded(demo, admin_user):
    return fides.load(user=admin_user)


def test_everything_is_loaded_with_its_keys(loaded):
    source = fides.taxonomy()
    assert len(current(source.data_category)) == 85
    assert len(current(source.data_subject)) == 15
    assert loaded.added == {
        "data_category": 85,
        "data_subject": 15,
        "data_use": len(current(source.data_use)),
    }
    for model, terms in (
        (DataCategory, source.data_category),
        (DataSubjectCategory, source.data_subject),
        (Purpose, source.data_use),
    ):
        keys = set(model.objects.exclude(fides_key="").values_list("fides_key", flat=True))
        assert keys == {term.fides_key for term in current(terms)}


def test_the_hierarchy_is_kept(loaded):
    city = DataCategory.objects.get(fides_key="user.contact.address.city")
    chain = []
    while city is not None:
        chain.append(city.slug)
        city = city.parent
    assert chain == ["user.contact.address.city", "user.contact.address", "user.contact", "user"]
    # Special data is flagged for a person to mark (with the safeguards only they know).
    [check] = [c for c in health.build_report().checks if c.code == "special_category_unmarked"]
    assert check.count == 15
    flagged = DataCategory.objects.filter(fides.special_q())
    assert "user.health_and_medical.genetic" in {c.slug for c in flagged}
    assert "user.contact.email" not in {c.slug for c in flagged}


def test_data_uses_wait_for_a_legal_basis(loaded):
    """Templates, flagged until a person chooses: publishing is refused meanwhile."""
    report = health.build_report()
    [check] = [c for c in report.blocking if c.code == "purpose_without_legal_basis"]
    assert check.count == Purpose.objects.filter(legal_basis="").count() > 50
    with pytest.raises(PublishRefused, match="no legal basis chosen"):
        publish(note="Fides")
    Purpose.objects.filter(legal_basis="").update(legal_basis="f", legitimate_interest_en="x")
    assert "purpose_without_legal_basis" not in [c.code for c in health.build_report().blocking]


def test_loading_again_keeps_what_a_person_changed(loaded, admin_user):
    DataCategory.objects.filter(slug="user.contact").update(name_en="Contact details")
    again = fides.load(user=admin_user)
    assert not any(again.added.values()) and again.kept["data_category"] == 85
    assert DataCategory.objects.get(slug="user.contact").name_en == "Contact details"
    version = Version.objects.get_for_object(DataCategory.objects.get(slug="user")).first()
    assert version.revision.user == admin_user


def test_the_register_with_the_taxonomy_survives_a_backup(loaded):
    before = content_hash(build_snapshot())
    content = backup.export_all("xlsx", language="cs")
    empty_register()
    backup.import_all(content, "xlsx")
    assert content_hash(build_snapshot()) == before


def test_a_child_may_come_before_its_parent_in_a_file(demo):
    content = (
        b"slug,name_en,parent\r\n"
        b"user.contact.email,E-mail,user.contact\r\n"
        b"user.contact,Contact,user\r\n"
        b"user,User data,\r\n"
    )
    import_file("datacategory", content, file_format="csv", dry_run=True)
    import_file("datacategory", content, file_format="csv")
    assert DataCategory.objects.get(slug="user.contact.email").parent.parent.slug == "user"


def test_a_loop_of_categories_is_refused(loaded):
    user = DataCategory.objects.get(slug="user")
    user.parent = DataCategory.objects.get(slug="user.contact.email")
    with pytest.raises(ValidationError, match="loop"):
        user.full_clean()


@pytest.mark.parametrize("key", ["user..contact", ".user", "user.", "user contact", "ü.x"])
def test_keys_are_slugs_joined_by_dots(demo, key):
    category = DataCategory(slug=key, name_en="x")
    with pytest.raises(ValidationError) as refusal:
        category.full_clean()
    assert "slug" in refusal.value.message_dict


def test_the_command_and_without_fideslang(demo, monkeypatch):
    call_command("load_fides_taxonomy", "--only", "data_subject")
    assert DataSubjectCategory.objects.filter(fides_key="customer").exists()
    assert not DataCategory.objects.exclude(fides_key="").exists()

    def missing():
        raise fides.TaxonomyMissing("pip install fideslang")

    monkeypatch.setattr(fides, "taxonomy", missing)
    with pytest.raises(CommandError, match="pip install fideslang"):
        call_command("load_fides_taxonomy")


def test_the_demo_does_not_need_it(demo):
    snapshot = build_snapshot()
    assert all(row["fides_key"] == "" for row in snapshot["data_categories"])
    assert publish(note="Demo").number == 1
