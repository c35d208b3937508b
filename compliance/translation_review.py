"""Translations that cannot silently go stale.

Each register row remembers, per translated field and language, a digest of the English text
(the source language) that translation was written against (`translation_sources`). When the
English text changes and a translation does not, that translation is "to review" for that field
and language (`translations_to_review`: {"pl": ["purpose", ...]}), until an editor changes it
or confirms it. Kept on every way a row is written: saves (forms, row-by-row imports), the bulk
import of cookies and storage items (resources.py calls refresh() on the checked rows) and
reverts (the restored row brings its own sources back; only what is to review is worked out
again).
"""

import hashlib

from django.conf import settings
from django.db.models import Q
from django.db.models.signals import pre_save
from django.dispatch import receiver

from compliance.models import RegisterModel
from compliance.snapshot import translated_fields


def digest(text):
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def other_languages():
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    return [code for code, _name in settings.LANGUAGES if code != default]


def columns(model):
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    return [
        f"{field}_{code}"
        for field in translated_fields(model)
        for code in [default, *other_languages()]
    ]


def refresh(instance, previous=None, *, raw=False, confirm=False):
    """Work out `instance`'s sources and what is to review. `previous`: the row's stored
    values ({column: value}, None for a new row). A translation typed now (or confirmed) is
    written against the English as it is now; one left as it was keeps its source. A raw save
    (a revert) keeps the sources it brings."""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    sources = {field: dict(per) for field, per in (instance.translation_sources or {}).items()}
    to_review = {}
    for field in translated_fields(type(instance)):
        english = getattr(instance, f"{field}_{default}") or ""
        current = digest(english)
        per = sources.setdefault(field, {})
        for code in other_languages():
            text = getattr(instance, f"{field}_{code}") or ""
            if not text or not english:
                per.pop(code, None)  # nothing to review: a missing text is counted apart
                continue
            if not raw:
                before = (previous or {}).get(f"{field}_{code}") or ""
                if confirm or previous is None or text != before:
                    per[code] = current
                elif code not in per:
                    # Written before sources were kept: against the English stored then.
                    per[code] = digest((previous or {}).get(f"{field}_{default}"))
            if per.get(code, current) != current:
                to_review.setdefault(code, []).append(field)
        if not per:
            sources.pop(field)
    instance.translation_sources = sources
    instance.translations_to_review = to_review


def stored_values(instance):
    if instance._state.adding or instance.pk is None:
        return None
    return (
        type(instance)
        ._default_manager.filter(pk=instance.pk)
        .values(*columns(type(instance)))
        .first()
    )


@receiver(pre_save)
def keep_translation_sources(sender, instance, raw, **kwargs):
    if not isinstance(instance, RegisterModel) or not translated_fields(sender):
        return
    previous = None if raw else stored_values(instance)
    confirm = getattr(instance, "_confirm_translations", False)
    refresh(instance, previous, raw=raw, confirm=confirm)


def to_review_q(language):
    """Rows with a translation into `language` to review."""
    return Q(translations_to_review__has_key=language)
