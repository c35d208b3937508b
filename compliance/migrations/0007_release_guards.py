"""Database-level guards: a release, its change notices and redaction records cannot be changed
or deleted, even past the application (a raw UPDATE, another program). The one exception is a
redaction (compliance.releases.redact): a release's content may change only to a content hash
that a redaction record, written first in the same transaction, names with the hash before it;
its notices' texts only while the release's hash is such a redacted one; its stored documents
may be deleted only after a redaction newer than them, to be rendered again.

PostgreSQL, the production database, gets every guard. SQLite gets the UPDATE guards only:
the test suite empties tables with DELETE between tests, which a DELETE trigger would refuse.
"""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION compliance_release_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE'
         AND NEW.id = OLD.id AND NEW.number = OLD.number
         AND NEW.published_at = OLD.published_at
         AND NEW.published_by_id IS NOT DISTINCT FROM OLD.published_by_id
         AND NEW.effective_date = OLD.effective_date
         AND NEW.schema_version = OLD.schema_version
         AND EXISTS (
           SELECT 1 FROM compliance_redaction r
           WHERE r.release_id = OLD.id
             AND r.original_content_hash = OLD.content_hash
             AND r.content_hash = NEW.content_hash)
      THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'Published releases cannot be changed or deleted (release %); only a '
        'recorded redaction may change one.', OLD.number;
    END $$;
    """,
    """
    CREATE TRIGGER compliance_release_guard BEFORE UPDATE OR DELETE ON compliance_release
    FOR EACH ROW EXECUTE FUNCTION compliance_release_guard();
    """,
    """
    CREATE OR REPLACE FUNCTION compliance_changenotice_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE'
         AND NEW.id = OLD.id AND NEW.release_id = OLD.release_id AND NEW.kind = OLD.kind
         AND NEW.notified_on = OLD.notified_on
         AND NEW.notice_period_days = OLD.notice_period_days
         AND NEW.takes_effect_on = OLD.takes_effect_on
         AND EXISTS (
           SELECT 1 FROM compliance_redaction r
           JOIN compliance_release rel ON rel.id = r.release_id
           WHERE r.release_id = OLD.release_id AND r.content_hash = rel.content_hash)
      THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'Change notices cannot be changed or deleted; only a recorded redaction '
        'may change their texts.';
    END $$;
    """,
    """
    CREATE TRIGGER compliance_changenotice_guard BEFORE UPDATE OR DELETE
    ON compliance_changenotice FOR EACH ROW EXECUTE FUNCTION compliance_changenotice_guard();
    """,
    """
    CREATE OR REPLACE FUNCTION compliance_releasedocument_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND EXISTS (
           SELECT 1 FROM compliance_redaction r
           WHERE r.release_id = OLD.release_id AND r.redacted_at >= OLD.rendered_at)
      THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'A release''s stored documents cannot be changed; they are deleted only '
        'by a redaction, to be rendered again.';
    END $$;
    """,
    """
    CREATE TRIGGER compliance_releasedocument_guard BEFORE UPDATE OR DELETE
    ON compliance_releasedocument FOR EACH ROW EXECUTE FUNCTION compliance_releasedocument_guard();
    """,
    """
    CREATE OR REPLACE FUNCTION compliance_redaction_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'Redaction records cannot be changed or deleted.';
    END $$;
    """,
    """
    CREATE TRIGGER compliance_redaction_guard BEFORE UPDATE OR DELETE ON compliance_redaction
    FOR EACH ROW EXECUTE FUNCTION compliance_redaction_guard();
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS compliance_release_guard ON compliance_release",
    "DROP TRIGGER IF EXISTS compliance_changenotice_guard ON compliance_changenotice",
    "DROP TRIGGER IF EXISTS compliance_releasedocument_guard ON compliance_releasedocument",
    "DROP TRIGGER IF EXISTS compliance_redaction_guard ON compliance_redaction",
    "DROP FUNCTION IF EXISTS compliance_release_guard()",
    "DROP FUNCTION IF EXISTS compliance_changenotice_guard()",
    "DROP FUNCTION IF EXISTS compliance_releasedocument_guard()",
    "DROP FUNCTION IF EXISTS compliance_redaction_guard()",
]

SQLITE = [
    """
    CREATE TRIGGER compliance_release_guard BEFORE UPDATE ON compliance_release
    WHEN NOT (
      NEW.id = OLD.id AND NEW.number = OLD.number AND NEW.published_at = OLD.published_at
      AND NEW.published_by_id IS OLD.published_by_id AND NEW.effective_date = OLD.effective_date
      AND NEW.schema_version = OLD.schema_version
      AND EXISTS (
        SELECT 1 FROM compliance_redaction r
        WHERE r.release_id = OLD.id AND r.original_content_hash = OLD.content_hash
          AND r.content_hash = NEW.content_hash))
    BEGIN
      SELECT RAISE(ABORT, 'Published releases cannot be changed; only a recorded redaction may change one.');
    END
    """,
    """
    CREATE TRIGGER compliance_changenotice_guard BEFORE UPDATE ON compliance_changenotice
    WHEN NOT (
      NEW.id = OLD.id AND NEW.release_id = OLD.release_id AND NEW.kind = OLD.kind
      AND NEW.notified_on = OLD.notified_on AND NEW.notice_period_days = OLD.notice_period_days
      AND NEW.takes_effect_on = OLD.takes_effect_on
      AND EXISTS (
        SELECT 1 FROM compliance_redaction r
        JOIN compliance_release rel ON rel.id = r.release_id
        WHERE r.release_id = OLD.release_id AND r.content_hash = rel.content_hash))
    BEGIN
      SELECT RAISE(ABORT, 'Change notices cannot be changed; only a recorded redaction may change their texts.');
    END
    """,
    """
    CREATE TRIGGER compliance_releasedocument_guard BEFORE UPDATE ON compliance_releasedocument
    BEGIN
      SELECT RAISE(ABORT, 'A release''s stored documents cannot be changed.');
    END
    """,
    """
    CREATE TRIGGER compliance_redaction_guard BEFORE UPDATE ON compliance_redaction
    BEGIN
      SELECT RAISE(ABORT, 'Redaction records cannot be changed.');
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS compliance_release_guard",
    "DROP TRIGGER IF EXISTS compliance_changenotice_guard",
    "DROP TRIGGER IF EXISTS compliance_releasedocument_guard",
    "DROP TRIGGER IF EXISTS compliance_redaction_guard",
]


def statements_for(vendor, forward):
    if vendor == "postgresql":
        return POSTGRESQL if forward else POSTGRESQL_REVERSE
    if vendor == "sqlite":
        return SQLITE if forward else SQLITE_REVERSE
    return []


def add_guards(apps, schema_editor):
    for statement in statements_for(schema_editor.connection.vendor, True):
        schema_editor.execute(statement, params=None)


def remove_guards(apps, schema_editor):
    for statement in statements_for(schema_editor.connection.vendor, False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0006_redactions")]

    operations = [migrations.RunPython(add_guards, remove_guards)]
