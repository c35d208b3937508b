"""The three roles, as groups of permissions.

- viewer: reads everything in the admin, changes nothing;
- editor: edits the register (add, change, delete, recover, revert), cannot publish;
- publisher: an editor who also publishes releases.

Releases and change notices are never changed or deleted by anyone; only publishing creates them.
The groups are created by a data migration (0003_roles); a migration that adds a register model
calls sync_roles() again so the roles cover it.
"""

VIEWER, EDITOR, PUBLISHER = "viewer", "editor", "publisher"
ROLES = (VIEWER, EDITOR, PUBLISHER)

# Models anyone with a role reads but nobody edits through the admin.
PUBLISHED_MODELS = {"release", "changenotice", "releasedocument", "redaction"}


def role_permissions(permissions):
    """{role: [permission]} from the compliance app's permissions (any iterable of them)."""
    view, edit, publish = [], [], []
    for permission in permissions:
        action, _sep, model = permission.codename.partition("_")
        if permission.codename == "publish_release":
            publish.append(permission)
        elif action == "view":
            view.append(permission)
        elif action in {"add", "change", "delete"} and model not in PUBLISHED_MODELS:
            edit.append(permission)
    return {VIEWER: view, EDITOR: view + edit, PUBLISHER: view + edit + publish}


def sync_roles(apps):
    """Create or update the three groups; `apps` is a migration's app registry."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrating; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="compliance")
    for role, granted in role_permissions(permissions).items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(granted)
