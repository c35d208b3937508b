import copy
import datetime
import json

import jsonschema
import pytest
from django.conf import settings

from compliance import models, snapshot
from tests import factories

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def full_register():
    """A register where every model has a row with every field filled."""
    factories.OrganisationFactory(
        registration_number="123",
        address="Street 1",
        website="https://example.com",
        processing_frequency="continuous",
        **{f"data_location_{code}": f"EU {code}" for code in LANGUAGES},
    )
    factories.ContactFactory(name="Jane", phone="+420 1", postal_address="Street 2")
    subjects = factories.DataSubjectCategoryFactory()
    data = factories.DataCategoryFactory(special_category=True, safeguards_en="Logged access")
    factories.DataElementFactory(category=data)
    purpose = factories.PurposeFactory()
    purpose.data_subject_categories.set([subjects])
    purpose.data_categories.set([data])
    parent = factories.ProcessorFactory(name="Parent")
    child = factories.ProcessorFactory(
        name="Child",
        parent=parent,
        active_from=datetime.date(2026, 1, 1),
        dpa_url="https://example.com/dpa",
    )
    child.data_categories.set([data])
    child.purposes.set([purpose])
    factories.ProcessingLocationFactory(processor=child, country="AT")
    factories.CookieFactory(provider=child, last_reviewed=datetime.date(2026, 2, 1))
    factories.StorageItemFactory(storage_type="session_storage")
    factories.TechnicalMeasureFactory(certification="ISO 27001")
    factories.PolicyClauseFactory()


def test_every_field_of_every_model_appears_in_every_language():
    """Each content field of each model is in the snapshot, translated ones per language."""
    full_register()
    snap = snapshot.build_snapshot()
    checked = 0
    for name, model, children in [("organisation", models.Organisation, {}), *snapshot.REGISTERS]:
        rows = snapshot.register_rows(snap, name)
        assert rows, name
        objects = {tuple(str(p) for p in obj.natural_key()): obj for obj in model.objects.all()}
        translated = snapshot.translated_fields(model)
        for row in rows:
            obj = objects[tuple(str(p) for p in row["key"])]
            for field in snapshot.content_fields(model):
                assert field.name in row, (model, field.name)
                if field.name in translated:
                    assert set(row[field.name]) == set(LANGUAGES)
                    for code in LANGUAGES:
                        assert row[field.name][code] == (
                            getattr(obj, f"{field.name}_{code}") or None
                        )
                checked += 1
            for child_name, (child_model, link) in children.items():
                child_rows = row[child_name]
                assert len(child_rows) == getattr(obj, child_name).count()
                for child_row in child_rows:
                    for field in snapshot.content_fields(child_model, parent_link=link):
                        assert field.name in child_row, (child_model, field.name)
    assert checked > 100


def test_snapshot_holds_no_database_ids():
    """Rows refer to each other by natural key, so snapshots compare across databases."""
    full_register()
    text = snapshot.canonical_json(snapshot.build_snapshot())
    assert '"id"' not in text
    assert '"edit_version"' not in text
    snap = snapshot.build_snapshot()
    child = next(p for p in snap["processors"] if p["name"] == "Child")
    assert child["parent"] == ["Parent"]
    assert child["locations"] == [{"key": ["Child", "AT"], "country": "AT"}]


def test_snapshot_is_json_serialisable_and_has_a_schema_version():
    """The snapshot round-trips through JSON unchanged."""
    full_register()
    snap = snapshot.build_snapshot()
    assert snap["schema_version"] == snapshot.SCHEMA_VERSION
    assert json.loads(json.dumps(snap)) == snap


def test_same_register_same_hash():
    """Building twice, or after re-creating rows in another order, gives the same hash."""
    factories.CookieFactory(name="b_cookie")
    factories.CookieFactory(name="a_cookie")
    first = snapshot.content_hash(snapshot.build_snapshot())
    assert snapshot.content_hash(snapshot.build_snapshot()) == first
    models.Cookie.objects.all().delete()
    factories.CookieFactory(name="a_cookie")
    factories.CookieFactory(name="b_cookie")
    assert snapshot.content_hash(snapshot.build_snapshot()) == first


def test_any_change_changes_the_hash():
    """A one-letter change in one translation gives another hash."""
    cookie = factories.CookieFactory()
    before = snapshot.content_hash(snapshot.build_snapshot())
    cookie.purpose_de = "Hält die Sitzung."
    cookie.save()
    assert snapshot.content_hash(snapshot.build_snapshot()) != before


def test_schema_file_is_current():
    """The committed JSON Schema is the one the models give (run manage.py snapshot_schema)."""
    committed = json.loads(snapshot.SCHEMA_PATH.read_text(encoding="utf-8"))
    from django.utils import translation

    with translation.override("en"):
        generated = json.loads(json.dumps(snapshot.snapshot_schema()))
    assert committed == generated


def validator():
    schema = json.loads(snapshot.SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_real_snapshots_validate_against_the_schema(demo):
    """The demo register's snapshot, and a full one, match the documented structure."""
    validator().validate(snapshot.build_snapshot())
    models.Cookie.objects.all().delete()
    full_register_rows = snapshot.build_snapshot()
    validator().validate(full_register_rows)


def test_schema_rejects_a_malformed_snapshot(demo):
    """The schema is strict: unknown fields, missing languages and bad enums fail."""
    snap = snapshot.build_snapshot()
    for mangle in (
        lambda s: s["cookies"][0].update(unexpected=1),
        lambda s: s["cookies"][0]["purpose"].pop("pl"),
        lambda s: s["cookies"][0].update(category="tasty"),
        lambda s: s.pop("processors"),
    ):
        broken = copy.deepcopy(snap)
        mangle(broken)
        assert not validator().is_valid(broken)


# One query per register (10, the organisation included), plus the prefetches of relations and
# nested rows: data elements; a purpose's two many-to-many fields; a processor's two and its
# locations.
FIXED_QUERIES = 16


@pytest.mark.parametrize("extra", [10, 500])
def test_snapshot_queries_do_not_grow_with_the_register(demo, extra, django_assert_num_queries):
    """The demo register plus 10 or 500 cookies is read in the same, fixed number of queries."""
    provider = models.Processor.objects.get()
    factories.CookieFactory.create_batch(extra, provider=provider)
    with django_assert_num_queries(FIXED_QUERIES):
        snapshot.build_snapshot()


def test_rows_read_as_values_equal_rows_read_as_model_instances(demo):
    """The snapshot reads the registers with values() (no model instances: most of a
    50,000-item snapshot's time); it is exactly what reading each row's instance gives, field
    by field, nested rows, relations and many-to-many keys included."""
    full_register_rows = []
    factories.ProcessorFactory(name="Parent GmbH")
    child = factories.ProcessorFactory(
        name="Child GmbH",
        parent=models.Processor.objects.get(name="Parent GmbH"),
        active_from=datetime.date(2026, 1, 1),
    )
    child.purposes.set(models.Purpose.objects.all())
    factories.ProcessingLocationFactory(processor=child, country="AT")
    factories.CookieFactory(provider=child, last_reviewed=datetime.date(2026, 2, 1))
    factories.TechnicalMeasureFactory(processor=child, not_applicable=True)
    built = snapshot.build_snapshot()
    for name, model, children in snapshot.REGISTERS:
        fields = snapshot.content_fields(model)
        translated = snapshot.translated_columns(model)
        expected = sorted(
            (
                snapshot._row(obj, fields, translated, children)
                for obj in model._default_manager.all()
            ),
            key=snapshot._sort_key,
        )
        assert built[name] == expected, name
        full_register_rows += expected
    assert len(full_register_rows) > 20
