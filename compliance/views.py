"""Public pages, feed, JSON and the embeddable widget: thin views over public.py.

Every public response is a published release's, set no cookie, carry a strict
Content-Security-Policy and ETag/Last-Modified for caches; the staff preview of the draft is
the only exception, and it is never cached.
"""

import hashlib

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from compliance import api_schema, branding, consent, consent_log, public
from compliance import feed as atom_feed
from compliance.localize import public_view
from compliance.models import BrandImage, Organisation
from compliance.releases import TamperedRelease
from compliance.snapshot import REGISTERS, build_snapshot

# The draft preview shows the whole register: who may see it must be able to view every part.
PREVIEW_PERMISSIONS = [
    f"compliance.view_{model._meta.model_name}"
    for model in (Organisation, *(model for _n, model, _c in REGISTERS))
]


def _language(language):
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return language


def _base(request):
    """Scheme and host the response's absolute links start with (build_site sets its own)."""
    return getattr(request, "site_base", None) or request.build_absolute_uri("/").rstrip("/")


def _published(request, release, variant, body, content_type, *, dated=False):
    """A release's representation, compressed (once) with Brotli or gzip for clients that
    accept it. A dated one (its variant names the day) carries no Last-Modified: it changes at
    midnight too."""
    if release is None:
        raise Http404("Nothing is published yet.")
    encoding = public.accepted_encoding(request.headers.get("Accept-Encoding", ""))
    # Each encoding is its own representation, with its own entity tag.
    variant = f"{variant}:{encoding}" if encoding else variant
    headers = public.headers(release, variant)
    if dated:
        headers = {k: v for k, v in headers.items() if k != "Last-Modified"}
    if public.not_modified(request, release, variant, dated=dated):
        return HttpResponseNotModified(headers=headers)
    try:
        content = body()
    except TamperedRelease as refusal:
        # Loud (logged as critical where it was found) and never the changed content.
        return HttpResponse(str(refusal), status=500, content_type="text/plain; charset=utf-8")
    if encoding:
        content = public.compressed(content, encoding)
        headers = {**headers, "Content-Encoding": encoding}
    return HttpResponse(content, content_type=content_type, headers=headers)


@require_safe
def health(request):
    """For load balancers and monitors: the process answers (nothing else is checked)."""
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def home(request):
    """The privacy page in the visitor's language: their browser's Accept-Language (or the
    language they chose in the admin), English when none of ours fits."""
    language = translation.get_language_from_request(request)
    response = redirect("public-page", language=language, page="privacy")
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


@require_safe
def page(request, language, page):
    language = _language(language)
    if page not in public.PAGES:
        raise Http404
    release = public.latest()
    today = timezone.localdate() if page in public.DATED_PAGES else None
    return _published(
        request,
        release,
        f"{page}:{language}:{today}" if today else f"{page}:{language}",
        lambda: public.published_page(release, page, language, today),
        "text/html; charset=utf-8",
        dated=today is not None,
    )


@require_safe
@staff_member_required
def preview(request, language, page):
    """The draft through the public templates, for staff who may view the register: marked,
    never cached, and only what publishing would make public."""
    if not request.user.has_perms(PREVIEW_PERMISSIONS):
        raise PermissionDenied
    language = _language(language)
    if page not in public.PAGES:
        raise Http404
    body = public.render_page(page, language, public_view(build_snapshot()), None, preview=True)
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Security-Policy"] = public.CONTENT_SECURITY_POLICY
    return response


@require_safe
def release_json(request, number=None):
    release = public.latest() if number is None else public.by_number(number)
    response = _published(
        request,
        release,
        "snapshot.json",
        lambda: public.published_snapshot_json(release, _base(request)),
        "application/json",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def cookie_list(request, language):
    language = _language(language)
    release = public.latest()
    response = _published(
        request,
        release,
        f"cookies.json:{language}",
        lambda: public.published_cookie_list(release, language, _base(request)),
        "application/json",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def banner_config(request, library):
    """A consent banner's configuration (vanilla-cookieconsent or Klaro) from the latest
    release, for every language (compliance/consent.py)."""
    if library not in consent.LIBRARIES:
        raise Http404
    release = public.latest()
    response = _published(
        request,
        release,
        f"consent:{library}",
        lambda: consent.published_config(release, library, _base(request)),
        "application/json",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt  # no cookie, no session: nothing a forged request could ride on
def consent_record(request):
    """POST /api/v1/consent: a banner's record of a visitor's choice (compliance/consent_log.py),
    answered 204; OPTIONS answers a browser's CORS preflight. Only registered sites' origins
    are answered with CORS headers."""
    origin = consent_log.allowed_origin(request)
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        if origin:
            response["Access-Control-Allow-Methods"] = "POST"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "86400"
    elif request.method != "POST":
        response = HttpResponseNotAllowed(["POST", "OPTIONS"])
    else:
        # A refusal's reason in the language the request asks for: this path runs without
        # LocaleMiddleware in production (compliance/lean_paths.py).
        with translation.override(translation.get_language_from_request(request)):
            try:
                consent_log.record(request, origin)
                response = HttpResponse(status=204)
            except consent_log.Refused as refused:
                response = JsonResponse({"error": str(refused)}, status=refused.status)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin, Accept-Language"
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def feed(request, language):
    """Atom feed of sub-processor change notices; entry ids never change (compliance/feed.py)."""
    language = _language(language)
    release = public.latest()
    base = _base(request)
    return _published(
        request,
        release,
        f"feed:{language}",
        lambda: atom_feed.build(release, language, base),
        "application/atom+xml; charset=utf-8",
    )


@require_safe
def json_schema(request, which):
    """The JSON Schema of the release JSON or of the cookie lists (they change with the
    code, not with a release: cached for PUBLIC_MAX_AGE, with an ETag of their bytes)."""
    body = api_schema.schema_bytes(which, _base(request))
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == tag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/schema+json")
    response["ETag"] = tag
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    response["Content-Security-Policy"] = public.CONTENT_SECURITY_POLICY
    return response


@require_safe
def consent_script(request):
    """The consent banner loader (templates/compliance/public/consent.js)."""
    body = render_to_string("compliance/public/consent.js", {}).encode("utf-8")
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_MAX_AGE}"
    return response


@require_safe
def embed_script(request):
    body = render_to_string("compliance/public/embed.js", {}).encode("utf-8")
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_MAX_AGE}"
    return response


# Logos and accent colours never change under their address: caches may keep them for good.
IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def brand_logo(request, sha256):
    """/brand/<sha256>.png: the logo the latest release shows (staff also see the draft's).
    Which one that is comes from the cached release: a request for any other address costs
    no query (it is a 404 for visitors)."""
    release = public.latest()
    organisation = (public.snapshot_of(release).get("organisation") or {}) if release else {}
    shown = organisation.get("logo") == sha256
    if not (shown or getattr(request, "user", None) and request.user.is_staff):
        raise Http404
    image = BrandImage.objects.filter(sha256=sha256).first()
    if image is None:
        raise Http404
    response = HttpResponse(bytes(image.content), content_type="image/png")
    response["Cache-Control"] = IMMUTABLE if shown else "private, no-store"
    response["ETag"] = f'"{sha256}"'
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_safe
def brand_accent(request, digits):
    """/brand/accent/<rrggbb>.css: the accent colour, made from the address alone."""
    response = HttpResponse(branding.accent_css(digits), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = IMMUTABLE
    return response
