"""Optimistic concurrency: a save based on an out-of-date copy of a register row is refused.

Every register row carries `edit_version`, bumped on each save (raw saves too, such as a revert
from history). An admin form remembers the version it was opened at; when it is saved, the
row is locked and the versions compared, so the second of two editors gets a clear message
instead of silently overwriting the first.
"""

from django import forms
from django.db import connection
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from compliance.models import RegisterModel


class ConcurrentEditError(Exception):
    pass


def current_version(model, pk):
    rows = model._default_manager.filter(pk=pk)
    if connection.in_atomic_block and connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.values_list("edit_version", flat=True).first()


@receiver(pre_save)
def bump_edit_version(sender, instance, raw, **kwargs):
    if not isinstance(instance, RegisterModel):
        return
    stored = None if instance._state.adding else current_version(sender, instance.pk)
    expected = getattr(instance, "_edited_version", None)
    if not raw and expected is not None and stored is not None and stored != expected:
        raise ConcurrentEditError(last_change_message(instance))
    instance.edit_version = (stored or 0) + 1


def last_change_message(instance):
    """Who changed `instance` last, and when, from its history."""
    latest = Version.objects.get_for_object(instance).select_related("revision__user").first()
    if latest is None or latest.revision.user is None:
        return _(
            "Someone else saved this %(model)s after you opened it. Your changes were not "
            "saved: reload the page to see the current version, then make your changes again."
        ) % {"model": instance._meta.verbose_name}
    return _(
        "%(user)s saved this %(model)s at %(time)s, after you opened it. Your changes were not "
        "saved: reload the page to see the current version, then make your changes again."
    ) % {
        "user": latest.revision.user.get_username(),
        "model": instance._meta.verbose_name,
        "time": latest.revision.date_created.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


class ConcurrencyGuardForm(forms.ModelForm):
    """Admin form base (main forms and inline rows): carries the edit version the form was
    opened at. Saving an existing row without it is refused: a form that does not say what
    it was based on could overwrite anything. Only reverting to a chosen past state, which
    replaces the row on purpose, turns that off (version_required = False)."""

    edited_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["edited_version"].initial = self.instance.edit_version

    def clean(self):
        cleaned = super().clean()
        edited = cleaned.get("edited_version")
        if self.instance.pk is not None and edited is None and self.version_required:
            raise forms.ValidationError(
                _(
                    "This form does not say which version of the %(model)s it was opened at, "
                    "so saving it could overwrite someone else's change. Reload the page and "
                    "make your changes again."
                )
                % {"model": self.instance._meta.verbose_name},
                code="no_version",
            )
        if self.instance.pk is not None and edited is not None:
            if edited != self.instance.edit_version:
                raise forms.ValidationError(last_change_message(self.instance), code="stale")
            # The save re-checks under a row lock, closing the gap between this check and it.
            self.instance._edited_version = edited
        return cleaned


def without_version_check(form_class):
    """`form_class` for reverting to a past state: no version is asked for."""
    return type(form_class.__name__, (form_class,), {"version_required": False})
