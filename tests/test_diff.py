import pytest

from compliance import models
from compliance.diff import diff_snapshots
from compliance.snapshot import build_snapshot
from tests import factories

pytestmark = pytest.mark.django_db


def register(diff, name):
    return next((r for r in diff["registers"] if r["register"] == name), None)


def test_identical_snapshots_have_no_difference(demo):
    """Comparing a register with itself finds nothing."""
    snap = build_snapshot()
    assert diff_snapshots(snap, snap) == {"registers": [], "total": 0}


def test_added_and_removed_rows(demo):
    """A new cookie is added, a deleted storage item removed, each named."""
    before = build_snapshot()
    factories.CookieFactory(name="new_cookie")
    models.StorageItem.objects.filter(name="_ss.enableSounds").delete()
    diff = diff_snapshots(before, build_snapshot())
    assert [row["label"] for row in register(diff, "cookies")["added"]] == ["new_cookie"]
    assert register(diff, "cookies")["removed"] == []
    removed = register(diff, "storage_items")["removed"]
    assert [row["key"][0] for row in removed] == ["_ss.enableSounds"]
    assert diff["total"] == 2


def test_changed_field(demo):
    """A changed retention is reported field by field, with old and new values."""
    before = build_snapshot()
    models.Cookie.objects.filter(name="ssupp.vid").update(retention_value=13)
    changed = register(diff_snapshots(before, build_snapshot()), "cookies")["changed"]
    assert len(changed) == 1
    assert changed[0]["label"] == "ssupp.vid"
    assert changed[0]["changes"] == [
        {"field": "retention_value", "language": None, "old": 6, "new": 13}
    ]


def test_translation_only_change_names_the_language(demo):
    """Changing only the Czech purpose is a change of that field in Czech, nothing else."""
    before = build_snapshot()
    cookie = models.Cookie.objects.get(name="ssupp.visits")
    cookie.purpose_cs = "Počet návštěv"
    cookie.save()
    changed = register(diff_snapshots(before, build_snapshot()), "cookies")["changed"]
    assert changed[0]["changes"] == [
        {
            "field": "purpose",
            "language": "cs",
            "old": "Počítá návštěvy návštěvníka",
            "new": "Počet návštěv",
        }
    ]


def test_nested_rows_and_relations(demo):
    """A renamed data element and a changed many-to-many relation are both found."""
    before = build_snapshot()
    models.DataElement.objects.filter(slug="phone").update(name_de="Mobilnummer")
    purpose = models.Purpose.objects.get(slug="basic-chat")
    purpose.data_categories.set(models.DataCategory.objects.filter(slug="contact-data"))
    diff = diff_snapshots(before, build_snapshot())
    element_change = register(diff, "data_categories")["changed"][0]["changes"]
    assert element_change == [
        {
            "field": "elements.contact-data/phone.name",
            "language": "de",
            "old": "Telefonnummer",
            "new": "Mobilnummer",
        }
    ]
    purpose_change = register(diff, "purposes")["changed"][0]["changes"]
    assert purpose_change[0]["field"] == "data_categories"
    assert purpose_change[0]["new"] == [["contact-data"]]


def test_first_release_is_all_additions(demo):
    """Against nothing, every row is added."""
    diff = diff_snapshots(None, build_snapshot())
    assert len(register(diff, "cookies")["added"]) == 5
    assert len(register(diff, "organisation")["added"]) == 1


def test_a_field_added_to_the_snapshot_since_is_no_change():
    """An older release's rows lack a newer column (e.g. category_needs_review): comparing
    them reports no change of every row."""
    from compliance.diff import diff_rows

    old = {"key": ["a"], "name": "a", "category": "necessary"}
    new = {**old, "category_needs_review": False}
    assert diff_rows(old, new, ["en"]) == []
    assert diff_rows(old, {**new, "category": "marketing"}, ["en"])[0]["field"] == "category"
