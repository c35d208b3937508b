"""The Atom feed of sub-processor change notices (RFC 4287), with tag: URIs (RFC 4151) as ids.

An entry's id must never change and must be the same wherever the feed is produced (the live
server behind any host name, `build_site` for a static copy), so it names neither the host
nor the port: it is `tag:AUTHORITY,DATE:subprocessors/release-N/KIND/PROCESSOR`, with the
authority and date from FEED_TAG_AUTHORITY, or else fixed by the first release (its
organisation's website and the day it was published), which never changes either.
"""

import html
import re
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core import checks
from django.utils import feedgenerator, translation
from django.utils.text import slugify
from django.utils.translation import gettext

from compliance import public, subprocessors
from compliance.models import Release

# RFC 4151: taggingEntity = authorityName "," date; authorityName = DNSname / emailAddress.
DNS_NAME = (
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
TAGGING_ENTITY = re.compile(
    rf"(?:{DNS_NAME}|[A-Za-z0-9._%+-]+@{DNS_NAME}),\d{{4}}(?:-\d{{2}}(?:-\d{{2}})?)?"
)
# The characters a tag's specific part may hold as they are (RFC 4151: pchar, "/" and "?").
SPECIFIC_SAFE = "/?:@!$&'()*+,;=-._~"


@checks.register
def check_tag_authority(app_configs=None, **kwargs):
    configured = settings.FEED_TAG_AUTHORITY
    if configured and not TAGGING_ENTITY.fullmatch(configured):
        return [
            checks.Error(
                f"FEED_TAG_AUTHORITY {configured!r} is not 'domain,date' (RFC 4151).",
                hint="For example example.com,2026-01-01: a domain and a day it was yours.",
                id="compliance.E001",
            )
        ]
    return []


def tagging_entity():
    """`authority,date` for the ids: the setting, or what the first release fixed."""
    if settings.FEED_TAG_AUTHORITY:
        return settings.FEED_TAG_AUTHORITY
    first = Release.objects.order_by("number").only("number", "published_at").first()
    if first is None:
        return None
    organisation = public.snapshot_of(public.by_number(first.number)).get("organisation") or {}
    host = urlsplit(organisation.get("website") or "").hostname
    if not host or not re.fullmatch(DNS_NAME, host):
        # Syntactically a DNS name and reserved never to resolve (RFC 2606): unique enough
        # for one organisation's feed, and stable, as the first release never changes.
        host = f"{slugify(organisation.get('legal_name') or 'register') or 'register'}.invalid"
    return f"{host.lower()},{first.published_at.date().isoformat()}"


def tag(entity, specific):
    return f"tag:{entity}:{quote(specific, safe=SPECIFIC_SAFE)}"


class ReleaseFeed(feedgenerator.Atom1Feed):
    """An Atom feed whose 'updated' is the release's publication, so its bytes stay the same."""

    def __init__(self, published_at, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.published_at = published_at

    def latest_post_date(self):
        return self.published_at


def build(release, language, base):
    """The feed's bytes for `language`, its links absolute under `base` (scheme and host)."""
    snapshot = public.snapshot_of(release)
    organisation = snapshot.get("organisation") or {}
    objection_contact = subprocessors.objection_contact(snapshot)
    entity = tagging_entity()
    with translation.override(language):
        page_url = f"{base}/{language}/subprocessors/"
        atom = ReleaseFeed(
            release.published_at,
            title=gettext("Sub-processor changes"),
            link=page_url,
            description=gettext("Notices of sub-processor changes (Art. 28(2) GDPR)."),
            language=language,
            feed_url=f"{page_url}feed.atom",
            feed_guid=tag(entity, f"subprocessors/feed/{language}"),
            # RFC 4287 4.1.1: a feed names its author (here: whoever publishes the register).
            author_name=organisation.get("legal_name") or gettext("Sub-processor changes"),
            author_link=organisation.get("website") or None,
        )
        for notice in public.notices(language):
            atom.add_item(
                title=f"{notice['kind_label']}: {notice['processor']}",
                link=f"{page_url}#{notice['anchor']}",
                # Atom's summary is declared type="html": plain text must be escaped so that
                # a name such as "<b>" is shown, never interpreted, by a feed reader.
                description=html.escape(
                    public.notice_summary(notice, objection_contact), quote=False
                ),
                unique_id=tag(
                    entity,
                    f"subprocessors/release-{notice['release']}/{notice['kind']}/"
                    f"{notice['processor']}",
                ),
                pubdate=notice["published_at"],
                updateddate=notice["published_at"],
            )
        return atom.writeString("utf-8").encode("utf-8")
