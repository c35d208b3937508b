from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError
from django.test import RequestFactory

from compliance import api_schema, branding, consent, public, views
from compliance.models import Release


class Command(BaseCommand):
    help = (
        "Write the published pages, feeds, JSON and the widget, for every language, as static "
        "files that any web server, object store or CDN can serve."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="Directory to write into.")
        parser.add_argument(
            "--base-url",
            default="https://example.com",
            help="Where the site will be served; used for the feeds' absolute links.",
        )

    def handle(self, *args, output, base_url, **options):
        if public.latest() is None:
            raise CommandError("Nothing is published yet: publish a release first.")
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise CommandError(f"--base-url must be an http(s) address, not {base_url!r}.")
        factory = RequestFactory(
            SERVER_NAME=parts.hostname,
            SERVER_PORT=str(parts.port or (443 if parts.scheme == "https" else 80)),
            **({"wsgi.url_scheme": "https"} if parts.scheme == "https" else {}),
        )
        root = Path(output)
        files = {}
        for language, _name in settings.LANGUAGES:
            for page in public.PAGES:
                files[f"{language}/{page}/index.html"] = (
                    views.page,
                    {"language": language, "page": page},
                    f"/{language}/{page}/",
                )
            files[f"{language}/subprocessors/feed.atom"] = (
                views.feed,
                {"language": language},
                f"/{language}/subprocessors/feed.atom",
            )
            files[f"api/v1/{language}/cookies.json"] = (
                views.cookie_list,
                {"language": language},
                f"/api/v1/{language}/cookies.json",
            )
        files["api/v1/releases/latest.json"] = (
            views.release_json,
            {},
            "/api/v1/releases/latest.json",
        )
        for number in Release.objects.values_list("number", flat=True):
            files[f"api/v1/releases/{number}.json"] = (
                views.release_json,
                {"number": number},
                f"/api/v1/releases/{number}.json",
            )
        for which, schema_path in (
            ("release", api_schema.RELEASE_SCHEMA_PATH),
            ("cookies", api_schema.COOKIES_SCHEMA_PATH),
        ):
            files[schema_path.lstrip("/")] = (views.json_schema, {"which": which}, schema_path)
        for library in consent.LIBRARIES:
            path = f"/api/v1/consent/{library}.json"
            files[path.lstrip("/")] = (views.banner_config, {"library": library}, path)
        # The organisation's logo and accent colour, where the pages ask for them.
        organisation = public.snapshot_of(public.latest()).get("organisation") or {}
        if logo := branding.logo_path(organisation.get("logo", "")):
            files[logo.lstrip("/")] = (views.brand_logo, {"sha256": organisation["logo"]}, logo)
        if accent := branding.accent_path(organisation.get("accent_colour")):
            digits = branding.accent_hex(organisation["accent_colour"])
            files[accent.lstrip("/")] = (views.brand_accent, {"digits": digits}, accent)
        files["embed/cookies.js"] = (views.embed_script, {}, "/embed/cookies.js")
        files["embed/consent.js"] = (views.consent_script, {}, "/embed/consent.js")
        for relative, (view, kwargs, path) in files.items():
            request = factory.get(path)
            request.site_base = base_url.rstrip("/")
            response = view(request, **kwargs)
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}.")
            self._write(root / relative, response.content)
        for static in ("compliance/public/public.css",):
            self._write(
                root / settings.STATIC_URL.strip("/") / static,
                Path(finders.find(static)).read_bytes(),
            )
        home = f"{settings.LANGUAGE_CODE}/privacy/"
        index = f'<!DOCTYPE html><meta http-equiv="refresh" content="0; url={home}">'
        self._write(root / "index.html", index.encode())
        self.stdout.write(f"Wrote {len(files) + 2} files to {root}")

    @staticmethod
    def _write(path, content):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
