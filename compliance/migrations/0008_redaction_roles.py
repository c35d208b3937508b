from django.db import migrations

from compliance.roles import sync_roles


def update_roles(apps, schema_editor):
    # Every role reads redaction records; nobody edits them (roles.PUBLISHED_MODELS).
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0007_release_guards")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
