from django.db import migrations

from compliance.roles import sync_roles


def create_roles(apps, schema_editor):
    sync_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["viewer", "editor", "publisher"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("compliance", "0002_releases_and_edit_versions"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
