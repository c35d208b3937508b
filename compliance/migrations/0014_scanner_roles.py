from django.db import migrations

from compliance.roles import sync_roles


def update_roles(apps, schema_editor):
    # Viewers read the scanned sites and their scans; editors add sites and scan them.
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0013_site_scanner")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
