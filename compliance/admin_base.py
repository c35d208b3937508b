"""What several admin modules share (admin.py, consent_admin.py), kept apart so that they can
import it without importing each other."""

from unfold.admin import ModelAdmin


class ReadOnlyAdmin(ModelAdmin):
    """Rows nobody edits in the admin: releases, notices, the known-cookie library, consent
    records."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
