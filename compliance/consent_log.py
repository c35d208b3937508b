"""Proof of consent (Art. 7(1) GDPR): the records banners post to POST /api/v1/consent.

A record says which categories (and services) a visitor accepted and refused, on which
registered site, in which language, and which declaration the banner showed (the release's
number and content hash, checked against the release). The server adds the time, the visitor's
network (the address with its last part removed) and a hash of the browser's user agent: enough
to show a record belongs to a visit, not to single out a person. The endpoint sets no cookie,
answers only the registered sites' origins (CORS), and limits size and rate per address.
Records are never changed; past CONSENT_RETENTION_DAYS they are deleted in batches.
"""

import csv
import datetime
import hashlib
import io
import ipaddress
import json
import re
import threading
import time
import uuid
from functools import lru_cache
from urllib.parse import urlsplit

import psycopg
from django.conf import settings
from django.db import connections, router
from django.db.models import Count, JSONField, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from compliance.models import ConsentRecord, Redaction, Release, ScanSite, TrackingCategory
from compliance.rate_limit import RateLimit

CATEGORIES = [code for code in TrackingCategory.values if code != TrackingCategory.UNCLASSIFIED]
# The categories a visitor answers (ConsentRecord has a field for each).
OPTIONAL = [code for code in CATEGORIES if code != TrackingCategory.NECESSARY]
MAX_SERVICES = 100
# A name as the banners' configurations make them (letters, digits, "-", "_", "."); nothing
# else is kept, so no control character reaches the database and no record can start a
# formula in the CSV export.
SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class Refused(Exception):
    """A record that cannot be kept: the reason, and the HTTP status to answer with."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@lru_cache(maxsize=1024)
def origin_of(url):
    """The origin (scheme://host[:port]) of a URL, "" if it has none. Every record asks for
    its Origin header's, so the answers are kept (the same few origins come again and again)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


class SiteOrigins:
    """The registered sites by origin, read again every PUBLIC_RELEASE_CHECK_SECONDS: every
    record asks, and a query each time would be most of its cost."""

    def __init__(self):
        self.lock = threading.Lock()
        self.read_at = None
        self.by_origin = {}

    def site_id(self, origin):
        now = time.monotonic()
        with self.lock:
            if self.read_at is None or now - self.read_at >= settings.PUBLIC_RELEASE_CHECK_SECONDS:
                self.by_origin = {
                    origin_of(url): pk for pk, url in ScanSite.objects.values_list("pk", "base_url")
                }
                self.read_at = now
            return self.by_origin.get(origin)

    def forget(self):
        with self.lock:
            self.read_at = None


class ReleaseHashes:
    """Which content hashes each release has had (its own, and before and after each
    redaction): a record must name a declaration that was really published. Releases never
    change, so what is known is kept; a number not known yet is looked up once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.hashes = {}

    def published(self, number, content_hash):
        with self.lock:
            known = self.hashes.get(number)
        if known is None or content_hash not in known:
            known = set(
                Release.objects.filter(number=number).values_list("content_hash", flat=True)
            )
            for original, digest in Redaction.objects.filter(release__number=number).values_list(
                "original_content_hash", "content_hash"
            ):
                known.update((original, digest))
            with self.lock:
                self.hashes[number] = known
        return content_hash in known

    def forget(self):
        with self.lock:
            self.hashes.clear()


sites = SiteOrigins()
releases = ReleaseHashes()
# A banner posts once per choice: more is a script.
rate_limit = RateLimit(60, "CONSENT_RATE_PER_MINUTE")


def forget():
    """Drop what this process remembers (tests)."""
    sites.forget()
    releases.forget()
    rate_limit.counts.clear()


def client_address(request):
    """The visitor's address: behind a proxy (DJANGO_BEHIND_PROXY), the one the proxy added
    last to X-Forwarded-For; anything before it is the client's own claim."""
    if settings.BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def network_of(address):
    """The address with its last part removed: an IPv4 /24 or an IPv6 /48 network."""
    parts = address.split(".")
    if len(parts) == 4 and all(part.isdigit() and int(part) < 256 for part in parts):
        return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0/24"  # the common case, fast
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _string_list(payload, key, allowed=None, limit=MAX_SERVICES):
    value = payload.get(key, [])
    if not isinstance(value, list) or len(value) > limit:
        raise Refused(
            ngettext(
                "“%(field)s” must be a list of at most %(limit)d name.",
                "“%(field)s” must be a list of at most %(limit)d names.",
                limit,
            )
            % {"field": key, "limit": limit}
        )
    for entry in value:
        if not isinstance(entry, str) or not SERVICE_NAME.fullmatch(entry):
            raise Refused(
                gettext("“%(field)s” holds something that is not a name.") % {"field": key}
            )
        if allowed is not None and entry not in allowed:
            raise Refused(
                gettext("“%(field)s”: %(value)s is not a category (%(allowed)s).")
                % {"field": key, "value": entry[:50], "allowed": ", ".join(allowed)}
            )
    return list(dict.fromkeys(value))


def parse(body):
    """The record's fields from a request body, or Refused naming what is wrong."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting: not a record
        raise Refused(gettext("The body is not JSON.")) from None
    if not isinstance(payload, dict):
        raise Refused(gettext("The body must be a JSON object."))
    try:
        consent_id = uuid.UUID(str(payload.get("consent_id", "")))
    except ValueError:
        raise Refused(gettext("“consent_id” must be a UUID.")) from None
    accepted = _string_list(payload, "accepted", CATEGORIES, len(CATEGORIES))
    rejected = _string_list(payload, "rejected", CATEGORIES, len(CATEGORIES))
    if set(accepted) & set(rejected):
        raise Refused(gettext("A category cannot be both accepted and refused."))
    if TrackingCategory.NECESSARY in rejected:
        raise Refused(gettext("Necessary items cannot be refused."))
    release = payload.get("release")
    if not isinstance(release, int) or isinstance(release, bool) or release < 1:
        raise Refused(gettext("“release” must be a release number."))
    content_hash = payload.get("content_hash")
    if not isinstance(content_hash, str) or len(content_hash) != 64:
        raise Refused(gettext("“content_hash” must be the release's SHA-256 content hash."))
    language = payload.get("language")
    if language not in dict(settings.LANGUAGES):
        raise Refused(
            gettext("“language” must be one of %(languages)s.")
            % {"languages": ", ".join(dict(settings.LANGUAGES))}
        )
    answers = {
        code: True if code in accepted else False if code in rejected else None for code in OPTIONAL
    }
    return {
        **answers,
        "consent_id": consent_id,
        "accepted": accepted,
        "rejected": rejected,
        "services_accepted": _string_list(payload, "services_accepted"),
        "services_rejected": _string_list(payload, "services_rejected"),
        "release_number": release,
        "content_hash": content_hash,
        "language": language,
    }


def allowed_origin(request):
    """The request's Origin when it is a registered site's, else None."""
    origin = origin_of(request.headers.get("Origin", ""))
    return origin if origin and sites.site_id(origin) is not None else None


def record(request, origin):
    """Keep the consent record `request` carries, sent from `origin` (allowed_origin()'s
    answer); Refused when it cannot be kept."""
    if origin is None:
        raise Refused(gettext("Only the registered sites may record consent."), status=403)
    address = client_address(request)
    if not rate_limit.allow(address):
        raise Refused(gettext("Too many consent records from this address."), status=429)
    length = int(request.headers.get("Content-Length") or 0)
    if length > settings.CONSENT_MAX_BODY_BYTES:
        raise Refused(gettext("The record is too large."), status=413)
    body = request.read(settings.CONSENT_MAX_BODY_BYTES + 1)
    if len(body) > settings.CONSENT_MAX_BODY_BYTES:
        raise Refused(gettext("The record is too large."), status=413)
    fields = parse(body)
    if not releases.published(fields["release_number"], fields["content_hash"]):
        raise Refused(gettext("The release and content hash name no published declaration."))
    user_agent = request.headers.get("User-Agent", "")[:1000]
    insert(
        {
            **fields,
            "recorded_at": timezone.now(),
            "site_id": sites.site_id(origin),
            "origin": origin,
            "ip_prefix": network_of(address),
            "user_agent_hash": hashlib.sha256(user_agent.encode()).hexdigest(),
        }
    )


def insert(values):
    """One INSERT of a record's columns. Every consent a site collects passes here, so it skips
    what Model.save() adds for an append-only row (instance set-up, signals, the save logic):
    that was half the endpoint's time."""
    database = connections[router.db_for_write(ConsentRecord)]  # not the per-access proxy
    fields, sql = _insert_statement(tuple(values), database.alias)
    if database.vendor == "postgresql":
        # psycopg adapts the UUID, the datetime, the booleans and the strings itself; JSON
        # goes as its text, which PostgreSQL reads into the jsonb column (the field's own
        # preparation and psycopg's JSON wrapper were a fifth of the endpoint's time). A
        # server-side prepared statement: PostgreSQL plans it once per connection, and the
        # values travel apart from the SQL instead of being quoted into it.
        params = [
            json.dumps(value) if isinstance(field, JSONField) else value
            for field, value in zip(fields, values.values(), strict=True)
        ]
        database.ensure_connection()
        with psycopg.Cursor(database.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
    else:
        params = [
            field.get_db_prep_save(value, database)
            for field, value in zip(fields, values.values(), strict=True)
        ]
        with database.cursor() as cursor:
            cursor.execute(sql, params)


@lru_cache(maxsize=8)
def _insert_statement(names, alias):
    """The fields and the INSERT statement for these column names (made once)."""
    database = connections[alias]
    meta = ConsentRecord._meta
    fields = [meta.get_field(name) for name in names]
    quote = database.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"


# The CSV export's columns: the record's fields, in this order.
EXPORT_FIELDS = [
    "consent_id", "recorded_at", "origin", "accepted", "rejected", "services_accepted",
    "services_rejected", "release_number", "content_hash", "language", "ip_prefix",
    "user_agent_hash",
]  # fmt: skip


def export_csv_lines(start, end):
    """The records of the days start..end (inclusive) as CSV lines, oldest first, read in
    chunks (a period can hold millions). Lists are joined with spaces; nothing in a record can
    start a formula (codes, hashes, dates, an origin)."""
    records = ConsentRecord.objects.filter(
        recorded_at__date__gte=start, recorded_at__date__lte=end
    ).order_by("recorded_at", "pk")
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(EXPORT_FIELDS)
    for row in records.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        yield line(
            " ".join(value) if isinstance(value, list) else
            value.isoformat() if isinstance(value, datetime.datetime) else value
            for value in row
        )  # fmt: skip


def daily_rates(days=30, today=None):
    """[(day, {category: (accepted, refused)})] for the last `days` days, oldest first, counted
    in the database (one query)."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    counts = {}
    rows = (
        ConsentRecord.objects.filter(recorded_at__date__gte=first)
        .annotate(day=TruncDate("recorded_at"))
        .values("day")
        .annotate(
            **{
                f"{code}_{answer}": Count("pk", filter=Q(**{code: value}))
                for code in OPTIONAL
                for answer, value in (("yes", True), ("no", False))
            }
        )
    )
    for row in rows:
        counts[row["day"]] = {code: (row[f"{code}_yes"], row[f"{code}_no"]) for code in OPTIONAL}
    return [
        (day, counts.get(day, {}))
        for day in (first + datetime.timedelta(days=n) for n in range(days))
    ]


def expired():
    """The records older than CONSENT_RETENTION_DAYS."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.CONSENT_RETENTION_DAYS)
    return ConsentRecord.objects.filter(recorded_at__lt=cutoff)


def delete_expired(batch_size=5000):
    """Delete the records older than CONSENT_RETENTION_DAYS, a batch at a time (short
    transactions, no long lock); returns how many went."""
    deleted = 0
    while True:
        batch = list(expired().values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        ConsentRecord.objects.filter(pk__in=batch).delete()  # a query, not Model.delete()
        deleted += len(batch)


def chart(days=14, today=None):
    """The dashboard's chart: {"categories": [label], "days": [(day, [cell])]} newest first,
    a cell being {"accepted", "refused", "percent"} (percent None when nobody answered);
    None when no record was kept in the period."""
    rates = daily_rates(days, today)
    if not any(answers for _day, answers in rates):
        return None
    rows = []
    for day, answers in reversed(rates):
        cells = []
        for code in OPTIONAL:
            accepted, refused = answers.get(code, (0, 0))
            total = accepted + refused
            percent = round(100 * accepted / total) if total else None
            cells.append({"accepted": accepted, "refused": refused, "percent": percent})
        rows.append((day, cells))
    return {"categories": [TrackingCategory(code).label for code in OPTIONAL], "days": rows}
