"""Consent banners configured from a published release.

Two widely used open-source banners take their whole configuration from what the register
already knows (every cookie's category, provider, purpose and retention, in every language):
orestbida's vanilla-cookieconsent (v3) and KIProtect's Klaro (0.7). Both configurations are
built from a release's public snapshot only, like every other public output, and carry the
release number as their revision: publishing a change asks every visitor again.

What each library does with our text decides how it is written:
- vanilla-cookieconsent puts titles, descriptions and table cells into the page as HTML: all of
  them are HTML-escaped here (a name such as ssupp_<CHAT_KEY> shows as written);
- Klaro escapes its texts itself (htmlTexts off): they are plain text here;
- names with placeholders become regular expressions (ECMAScript and Python alike): Klaro reads
  a string starting with "^" as one, vanilla-cookieconsent needs a RegExp, which the loader
  (/embed/consent.js) makes from "pattern".
"""

import html
import json
import re
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext

from compliance.localize import localize
from compliance.models import PLACEHOLDER, TrackingCategory

# Banners ask again after six months at the latest (the DPC's limit; CNIL's good practice).
ASK_AGAIN_AFTER_DAYS = 182
LIBRARIES = ("cookieconsent", "klaro")
# Characters with a meaning in a regular expression; escaped the same way in ECMAScript and in
# Python (Python's re.escape also escapes "-", "#" and spaces, which ECMAScript's unicode mode
# refuses to see escaped).
REGEX_SYNTAX = re.compile(r"[\\^$.*+?()[\]{}|/]")


def name_regex(name):
    """The regular expression of every concrete name `name` stands for ("^ssupp_.+$"), or
    None when the name has no placeholder."""
    parts = PLACEHOLDER.split(name)
    if len(parts) == 1:
        return None
    escaped = (
        REGEX_SYNTAX.sub(lambda match: "\\" + match.group(0), part) if i % 2 == 0 else ".+"
        for i, part in enumerate(parts)
    )
    return "^" + "".join(escaped) + "$"


def exact_regex(name):
    """A regular expression matching `name` and nothing else."""
    return "^" + REGEX_SYNTAX.sub(lambda match: "\\" + match.group(0), name) + "$"


def category_description(category):
    """The category's explanation, in the cookie page's own words (cookies.html): the banner
    and the page say the same."""
    descriptions = {
        TrackingCategory.NECESSARY: gettext(
            "Needed for the service you asked for; no consent is needed."
        ),
        TrackingCategory.PREFERENCES: gettext(
            "Remember your choices, such as settings of the chat window."
        ),
        TrackingCategory.STATISTICS: gettext(
            "Measure how the website is used; used only with your consent."
        ),
        TrackingCategory.MARKETING: gettext(
            "Tailor messages and offers; used only with your consent."
        ),
    }
    return descriptions.get(category, "")


def _languages():
    return [code for code, _name in settings.LANGUAGES]


def _page(base, language, page):
    return f"{base}/{language}/{page}/"


def _grouped(snapshot):
    """{language: [(category code, label, [items])]} for every configured language."""
    result = {}
    for language in _languages():
        with translation.override(language):
            register = localize(snapshot, language)
        result[language] = [
            (items[0]["category"], label, items) for label, items in register.tracking_groups
        ]
    return result


def _organisation_name(snapshot):
    return (snapshot.get("organisation") or {}).get("legal_name", "") or "-"


def cookieconsent_config(snapshot, release, base):
    """The configuration of vanilla-cookieconsent v3 (CookieConsent.run(config))."""
    grouped = _grouped(snapshot)
    default = settings.LANGUAGE_CODE
    categories = {}
    for code, _label, items in grouped[default]:
        necessary = code == TrackingCategory.NECESSARY
        category = {"enabled": necessary, "readOnly": necessary}
        cookies = []
        for item in items:
            if item["type_code"] != "cookie" or not item["consent_required"]:
                continue  # the library clears cookies only; exempt ones must stay
            entry = {"name": item["name"]}
            pattern = name_regex(item["name"])
            if pattern is not None:
                entry["pattern"] = pattern  # the loader makes it the RegExp `name` needs
            if item["domain"] and not item["third_party"]:
                entry["domain"] = item["domain"]
            cookies.append(entry)
        if cookies and not necessary:
            category["autoClear"] = {"cookies": cookies}
        categories[code] = category
    translations = {}
    for language, groups in grouped.items():
        with translation.override(language):
            translations[language] = _cookieconsent_texts(language, groups, base)
    return {
        "revision": release.number,
        "cookie": {"expiresAfterDays": ASK_AGAIN_AFTER_DAYS},
        "categories": categories,
        "language": {
            "default": default,
            "autoDetect": "document",
            "translations": translations,
        },
        "release": _release_facts(release, base),
    }


def _release_facts(release, base):
    """What a consent record must name (the declaration shown), and where it is posted."""
    return {
        "number": release.number,
        "content_hash": release.content_hash,
        "record_url": base + "/api/v1/consent",
    }


def _cookieconsent_texts(language, groups, base):
    escape = html.escape
    privacy = _page(base, language, "privacy")
    cookies_page = _page(base, language, "cookies")
    headers = {
        "name": escape(gettext("Name")),
        "provider": escape(gettext("Provider")),
        "purpose": escape(gettext("Purpose")),
        "retention": escape(gettext("Retention")),
    }
    sections = [
        {
            "title": escape(gettext("Your choices")),
            "description": escape(
                gettext(
                    "Choose which optional cookies and storage the website may use. You can "
                    "change or withdraw your consent at any time; withdrawing is as easy as "
                    "giving it."
                )
            ),
        }
    ]
    for code, label, items in groups:
        sections.append(
            {
                "title": escape(label),
                "description": escape(category_description(code)),
                "linkedCategory": code,
                "cookieTable": {
                    "caption": escape(label),
                    "headers": headers,
                    "body": [
                        {
                            "name": escape(item["name"]),
                            "provider": escape(item["provider"] or gettext("Our own")),
                            "purpose": escape(item["purpose"]),
                            "retention": escape(item["retention"]),
                        }
                        for item in items
                    ],
                },
            }
        )
    sections.append(
        {
            "title": escape(gettext("More information")),
            "description": (
                f'<a href="{escape(cookies_page)}">{escape(gettext("Cookie declaration"))}</a>'
                f' · <a href="{escape(privacy)}">{escape(gettext("Privacy notice"))}</a>'
            ),
        }
    )
    return {
        "consentModal": {
            "title": escape(gettext("We use cookies")),
            "description": escape(
                gettext(
                    "We use necessary cookies to make the website work. With your consent we "
                    "would also use optional ones; nothing optional is used unless you accept."
                )
            ),
            "acceptAllBtn": escape(gettext("Accept all")),
            "acceptNecessaryBtn": escape(gettext("Reject all")),
            "showPreferencesBtn": escape(gettext("Manage preferences")),
            "footer": f'<a href="{escape(privacy)}">{escape(gettext("Privacy notice"))}</a>',
        },
        "preferencesModal": {
            "title": escape(gettext("Cookie preferences")),
            "acceptAllBtn": escape(gettext("Accept all")),
            "acceptNecessaryBtn": escape(gettext("Reject all")),
            "savePreferencesBtn": escape(gettext("Save preferences")),
            "closeIconLabel": escape(gettext("Close")),
            "sections": sections,
        },
    }


def _service_name(provider):
    """A stable identifier for Klaro (its consent cookie keys on it)."""
    slug = re.sub(r"[^a-z0-9]+", "-", provider.lower()).strip("-")
    return slug or "service"


def klaro_config(snapshot, release, base):
    """The configuration of Klaro 0.7 (window.klaroConfig, or klaro.setup(config)).

    One service per provider (our own items under the organisation's name), split in two when
    a provider has both necessary items (required, cannot be declined) and items that need
    consent; each service lists its purposes (the categories) and its cookies."""
    grouped = _grouped(snapshot)
    own = _organisation_name(snapshot)
    services = {}
    for language, groups in grouped.items():
        for code, _label, items in groups:
            for item in items:
                provider = item["provider"] or own
                required = not item["consent_required"]
                key = (provider, required)
                name = _service_name(provider) + ("-necessary" if required else "")
                service = services.setdefault(
                    key,
                    {
                        "name": name,
                        "title": provider,
                        "purposes": [],
                        "cookies": [],
                        "required": required,
                        "default": required,
                        "optOut": False,
                        "onlyOnce": True,
                        "translations": {},
                    },
                )
                if code not in service["purposes"]:
                    service["purposes"].append(code)
                if language == settings.LANGUAGE_CODE and item["type_code"] == "cookie":
                    regex = name_regex(item["name"]) or exact_regex(item["name"])
                    if regex not in service["cookies"]:
                        service["cookies"].append(regex)
                texts = service["translations"].setdefault(language, {"lines": []})
                texts["lines"].append(f"{item['name']}: {item['purpose']} ({item['retention']})")
    for service in services.values():
        for texts in service["translations"].values():
            lines = texts.pop("lines")
            texts["title"] = service["title"]
            texts["description"] = "; ".join(dict.fromkeys(lines))
    translations = {"zz": {"privacyPolicyUrl": _page(base, settings.LANGUAGE_CODE, "privacy")}}
    for language, groups in grouped.items():
        with translation.override(language):
            translations[language] = {
                "privacyPolicyUrl": _page(base, language, "privacy"),
                "purposes": {
                    code: {"title": label, "description": category_description(code)}
                    for code, label, _items in groups
                },
                "consentNotice": {
                    "description": gettext(
                        "We use services for {purposes}. Those that are not necessary are used "
                        "only with your consent, which you can change or withdraw at any time."
                    ),
                },
                "ok": gettext("Accept all"),
                "acceptAll": gettext("Accept all"),
                "decline": gettext("Reject all"),
                "purposeItem": {
                    "service": pgettext("Klaro", "service"),
                    "services": pgettext("Klaro", "services"),
                },
            }
    return {
        "version": 1,
        "elementID": "klaro",
        "storageMethod": "cookie",
        # A new release is a new consent cookie: everyone is asked again.
        "storageName": f"klaro-release-{release.number}",
        "cookieExpiresAfterDays": ASK_AGAIN_AFTER_DAYS,
        "htmlTexts": False,
        "default": False,
        "mustConsent": False,
        "acceptAll": True,
        "hideDeclineAll": False,
        "translations": translations,
        "services": sorted(services.values(), key=lambda s: (not s["required"], s["title"])),
        "release": _release_facts(release, base),
    }


@lru_cache(maxsize=16)
def published_config(release, library, base):
    """A banner configuration's bytes for the latest release, made once."""
    from compliance.public import snapshot_of

    build = {"cookieconsent": cookieconsent_config, "klaro": klaro_config}[library]
    return json.dumps(
        build(snapshot_of(release), release, base), ensure_ascii=False, sort_keys=True
    ).encode("utf-8")
