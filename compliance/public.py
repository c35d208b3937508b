"""What the public sees: the latest published release, rendered once per page and language.

Pages are rendered from a release's snapshot (through localize.py) the first time they are
asked for and then kept in memory as bytes: a release never changes, so neither do its pages.
Which release is the latest is looked up at most every PUBLIC_RELEASE_CHECK_SECONDS per process
(and at once in the process that publishes), so a request for a page usually touches no
database at all. Drafts are never rendered here; the staff preview renders the live register
through the same templates, uncached.
"""

import datetime
import gzip
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import brotli
from django.conf import settings
from django.db.models import Max, Subquery
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext

from compliance import api_schema, consent, consent_log, subprocessors
from compliance.cookie_rows import cookie_rows
from compliance.localize import localize, public_view
from compliance.models import ChangeNotice, JobState, Redaction, Release, Scan
from compliance.releases import verified_snapshot
from compliance.retention import retention_days
from compliance.sanitize import remove_controls

PAGES = ("cookies", "subprocessors", "privacy")
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class PublishedRelease:
    """The facts of a release that headers and pages need, without its snapshot."""

    pk: int
    number: int
    content_hash: str
    published_at: object
    effective_date: object
    # When personal data was last removed from it (compliance.releases.redact), or None.
    redacted_at: object = None
    # When a scan last compared the declaration with a site (compliance/scanner/), or None:
    # not part of the release, but the cookie page says it, so it is part of the cache key.
    checked_at: object = None


FACTS = (
    "pk", "number", "content_hash", "published_at", "effective_date", "redacted_at", "checked_at",
)  # fmt: skip


def _facts(releases):
    last_scan = Scan.objects.filter(state=JobState.DONE).order_by("-finished_at")
    row = (
        releases.annotate(
            redacted_at=Max("redactions__redacted_at"),
            checked_at=Subquery(last_scan.values("finished_at")[:1]),
        )
        .values_list(*FACTS)
        .first()
    )
    return PublishedRelease(*row) if row else None


_latest = {"release": None, "checked": 0.0}
_lock = threading.Lock()


def latest():
    """The latest published release (None before the first), looked up every few seconds."""
    now = time.monotonic()
    with _lock:
        if now - _latest["checked"] >= settings.PUBLIC_RELEASE_CHECK_SECONDS:
            _latest["release"] = _facts(Release.objects.order_by("-number"))
            _latest["checked"] = now
        return _latest["release"]


def by_number(number):
    return _facts(Release.objects.filter(number=number))


@receiver(post_save, sender=Release)
@receiver(post_save, sender=Redaction)
@receiver(post_save, sender=Scan)
def forget_latest(sender, **kwargs):
    """A new or redacted release is public at once in the process that made it (others look
    again within PUBLIC_RELEASE_CHECK_SECONDS: the new content hash is a new cache key)."""
    with _lock:
        _latest["checked"] = 0.0


@lru_cache(maxsize=32)
def snapshot_of(release):
    """The public view of a release's snapshot, its content hash verified first."""
    stored = Release.objects.only("snapshot", "content_hash", "number").get(pk=release.pk)
    return public_view(verified_snapshot(stored))


def forget():
    """Drop everything this process remembers (tests; a restored database)."""
    with _lock:
        _latest.update(release=None, checked=0.0)
    consent_log.forget()
    for cached in (
        snapshot_of,
        _published_page,
        _published_cookie_list,
        _published_snapshot_json,
        etag,
        headers,
        compressed,
        api_schema.schema_bytes,
        consent.published_config,
    ):
        cached.cache_clear()


def notices(language):
    """Sub-processor change notices of all releases, newest first, as plain dicts."""
    rows = ChangeNotice.objects.select_related("release").order_by(
        "-release__number", "kind", "processor_name"
    )
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    return [
        {
            # Entry ids never change; a control character stored before the rule could not
            # stand in XML, so it is left out of the id as of the text.
            "id": f"release-{n.release.number}-{n.kind}-{remove_controls(n.processor_name)}",
            # Where the page shows it (its row in the history), for the feed's links.
            "anchor": subprocessors.from_notice(n).anchor,
            "release": n.release.number,
            "kind": n.kind,
            "kind_label": n.get_kind_display(),
            "processor": remove_controls(n.processor_name),
            "text": remove_controls(n.description.get(language) or n.description.get(default, "")),
            "notified_on": n.notified_on,
            "takes_effect_on": n.takes_effect_on,
            "published_at": n.release.published_at,
        }
        for n in rows
    ]


def notice_summary(notice, objection_contact):
    """A notice's text and, for an addition, until when and how customers may object (in the
    active language): what the feed's entries say."""
    text = notice["text"]
    if notice["kind"] != "added":
        return text
    deadline = (notice["takes_effect_on"] - datetime.timedelta(days=1)).isoformat()
    if objection_contact:
        return (
            text
            + " "
            + gettext("Customers may object until %(date)s by e-mail to %(contact)s.")
            % {"date": deadline, "contact": objection_contact}
        )
    return (
        text
        + " "
        + gettext(
            "Customers may object until %(date)s by writing to us at the address on our privacy "
            "page."
        )
        % {"date": deadline}
    )


def languages():
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def page_context(page, language, snapshot, release, *, preview=False, today=None):
    context = {
        "page": page,
        "language": language,
        "languages": languages(),
        "release": release,
        "preview": preview,
    }
    if page == "subprocessors":
        # Accurate on a date: who is engaged today, and the changes intended from today.
        today = today or timezone.localdate()
        changes = (
            subprocessors.changes_up_to(release)
            if release
            else subprocessors.draft_changes(snapshot)
        )
        current = subprocessors.listing(snapshot, changes, today)
        snapshot = subprocessors.restricted(snapshot, current)
        context["accurate_on"] = today
        context["intended"] = subprocessors.presented(current.intended, language)
        context["objection_contact"] = subprocessors.objection_contact(snapshot)
        context["history"] = notices(language)
    elif page == "privacy":
        # The recipients named there are the sub-processors engaged on the release's effective
        # date, as in the summary and Annex IV (the page is made once per release).
        day = release.effective_date if release else timezone.localdate()
        changes = (
            subprocessors.changes_up_to(release)
            if release
            else subprocessors.draft_changes(snapshot)
        )
        snapshot = subprocessors.restricted(snapshot, subprocessors.listing(snapshot, changes, day))
        context["accurate_on"] = day
    context["register"] = register = localize(snapshot, language)
    if page == "cookies":
        context["cookie_tables"] = [
            {
                "label": label,
                "code": items[0]["category"],
                "count": len(items),
                "rows": cookie_rows(items, register.organisation["legal_name"]),
            }
            for label, items in register.tracking_groups
        ]
    return context


# Template indentation repeated on every row of a long table; HTML collapses it anyway.
INDENTATION = re.compile(r"\n\s+")


def render_page(page, language, snapshot, release, *, preview=False, today=None):
    with translation.override(language):
        html = render_to_string(
            f"compliance/public/{page}.html",
            page_context(page, language, snapshot, release, preview=preview, today=today),
        )
    return INDENTATION.sub("\n", html).encode("utf-8")


# Pages whose content depends on the date as well as the release (who is engaged today).
DATED_PAGES = {"subprocessors"}
# Pages that say when the declaration was last checked against the site: a new scan changes
# them without a new release (their ETag and Last-Modified follow the scan too).
CHECKED_PAGES = {"cookies"}


@lru_cache(maxsize=256)
def _published_page(release, page, language, today):
    # Keyed by the frozen release: a new release is a new key, old ones age out of the cache.
    return render_page(page, language, snapshot_of(release), release, today=today)


def published_page(release, page, language, today=None):
    """`today` matters for DATED_PAGES only (None for the others)."""
    return _published_page(release, page, language, today if page in DATED_PAGES else None)


# Encodings of published bodies, in order of preference: Brotli is about a fifth smaller than
# gzip on these pages.
ENCODINGS = ("br", "gzip")
# Brotli's best quality takes seconds on a multi-megabyte page; 9 is within a few per cent of
# it at a tenth of the time, and a page is compressed once per release and process anyway.
BROTLI_QUALITY = 9


def accepted_encoding(accept_encoding):
    """The encoding of ENCODINGS the client prefers by its Accept-Encoding, or None (RFC 9110
    12.5.3: "q=0" refuses an encoding, "*" stands for the ones not named)."""
    weights = {}
    for part in accept_encoding.split(","):
        name, _, parameters = part.strip().partition(";")
        weight = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key.lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name.strip().lower()] = weight
    best = None
    for encoding in ENCODINGS:
        weight = weights.get(encoding, weights.get("*", 0.0))
        if weight > 0 and (best is None or weight > best[1]):
            best = (encoding, weight)
    return best[0] if best else None


@lru_cache(maxsize=256)
def compressed(body, encoding="gzip"):
    """`body` in `encoding` ("br" or "gzip"), made once (deterministic: no timestamp in it)."""
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=9, mtime=0)


def retention_seconds(item):
    """An item's retention in seconds (0 for the session), None when it has no end."""
    days = retention_days(item["retention_kind"], item["retention_value"], item["retention_unit"])
    return None if days is None else round(days * 86400)


COOKIE_LIST_FIELDS = (
    "name", "type", "type_code", "provider", "third_party", "domain", "purpose", "description",
    "retention", "third_party_access", "consent_required", "category",
)  # fmt: skip


def cookie_list(snapshot, language):
    """The per-language cookie list for consent tools and the embeddable widget: translated
    labels next to stable codes (type, category), a name's pattern as a regular expression,
    and the retention in words and as a structure."""
    register = localize(snapshot, language)
    return {
        "language": language,
        "categories": [
            {
                "category": items[0]["category"],
                "label": label,
                "items": [
                    {
                        **{key: item[key] for key in COOKIE_LIST_FIELDS},
                        "category_label": label,
                        "pattern": consent.name_regex(item["name"]),
                        "retention_period": {
                            "kind": item["retention_kind"] or None,
                            "value": item["retention_value"],
                            "unit": item["retention_unit"] or None,
                            "seconds": retention_seconds(item),
                        },
                    }
                    for item in items
                ],
            }
            for label, items in register.tracking_groups
        ],
    }


@lru_cache(maxsize=64)
def _published_cookie_list(release, language, base):
    with translation.override(language):
        data = cookie_list(snapshot_of(release), language)
    data.update(
        {"$schema": base + api_schema.COOKIES_SCHEMA_PATH},
        release=release.number,
        published_at=release.published_at.isoformat(),
        effective_date=release.effective_date.isoformat(),
        content_hash=release.content_hash,
        redacted_at=release.redacted_at.isoformat() if release.redacted_at else None,
    )
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def published_cookie_list(release, language, base):
    """The cookie list's bytes; `base` (scheme and host) makes its `$schema` absolute."""
    return _published_cookie_list(release, language, base)


@lru_cache(maxsize=32)
def _published_snapshot_json(release, base):
    payload = {
        "$schema": base + api_schema.RELEASE_SCHEMA_PATH,
        "release": release.number,
        "published_at": release.published_at.isoformat(),
        "effective_date": release.effective_date.isoformat(),
        "content_hash": release.content_hash,
        # Personal data removed after publication: when, and the hashes before and after.
        "redactions": [
            {
                "redacted_at": redacted_at.isoformat(),
                "original_content_hash": original,
                "content_hash": digest,
            }
            for redacted_at, original, digest in Redaction.objects.filter(release_id=release.pk)
            .order_by("redacted_at")
            .values_list("redacted_at", "original_content_hash", "content_hash")
        ],
        # Who is engaged on the release's effective date, and the changes intended then (as
        # Annex IV of the release lists them).
        "subprocessors": subprocessors.as_json(
            subprocessors.listing(
                snapshot_of(release), subprocessors.changes_up_to(release), release.effective_date
            )
        ),
        "snapshot": snapshot_of(release),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def published_snapshot_json(release, base):
    """The release JSON's bytes; `base` (scheme and host) makes its `$schema` absolute."""
    return _published_snapshot_json(release, base)


@lru_cache(maxsize=1024)
def etag(release, variant):
    """The entity tag of one representation of a release (a page in a language, a feed...);
    the cookie page also says when the declaration was last checked against the site."""
    checked = modified_at(release, variant).isoformat()
    digest = hashlib.sha256(f"{release.content_hash}:{variant}:{checked}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def modified_at(release, variant):
    """When a representation last changed: the release's publication, or for a page that says
    when the site was last checked, that check if later."""
    checked = release.checked_at
    if variant.split(":", 1)[0] in CHECKED_PAGES and checked and checked > release.published_at:
        return checked
    return release.published_at


@lru_cache(maxsize=1024)
def headers(release, variant):
    """ETag and Last-Modified from the release, caching fit for a CDN, and the strict CSP."""
    max_age = settings.PUBLIC_MAX_AGE
    return {
        "ETag": etag(release, variant),
        "Last-Modified": http_date(modified_at(release, variant).timestamp()),
        "Cache-Control": (
            f"public, max-age={max_age}, s-maxage={max_age * 12}, stale-while-revalidate=86400"
        ),
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Vary": "Accept-Encoding",
    }


def not_modified(request, release, variant, *, dated=False):
    """Whether the client's copy (If-None-Match, else If-Modified-Since) is current. A dated
    representation changes at midnight too: only its entity tag can tell."""
    tags = request.headers.get("If-None-Match")
    if tags is not None:
        current = etag(release, variant)
        return tags.strip() == "*" or current in [
            tag.strip().removeprefix("W/") for tag in tags.split(",")
        ]
    since = request.headers.get("If-Modified-Since")
    if since and not dated:
        moment = parse_http_date_safe(since)
        return moment is not None and int(modified_at(release, variant).timestamp()) <= moment
    return False
