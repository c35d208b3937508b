"""The organisation's logo and accent colour (compliance/branding.py): uploaded in the admin,
checked and redrawn, shown by the public pages from our own origin and embedded in the PDFs."""

import io
import struct
import zlib

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from compliance import branding, documents
from compliance.models import BrandImage, Organisation
from compliance.releases import publish
from tests import pdf_ua

pytestmark = pytest.mark.django_db


def picture(kind="PNG", size=(400, 120), colour=(26, 95, 180)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=kind)
    return out.getvalue()


def bomb():
    """A valid PNG header that declares 60,000 × 60,000 pixels, in under 100 bytes."""
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat_data = zlib.compress(b"\x00" * 10)
    idat = struct.pack(">I", len(idat_data)) + b"IDAT" + idat_data
    idat += struct.pack(">I", zlib.crc32(b"IDAT" + idat_data))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def upload(admin_client, content, name="logo.png", **fields):
    organisation = Organisation.objects.get()
    url = reverse("admin:compliance_organisation_change", args=[organisation.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and not isinstance(value, (list, dict))
    }
    data.update(
        {
            "edited_version": organisation.edit_version,
            "logo_upload": SimpleUploadedFile(name, content),
            **fields,
        }
    )
    return admin_client.post(url, data)


def test_an_uploaded_logo_is_redrawn_and_shown_from_our_own_origin(admin_client, client, demo):
    response = upload(admin_client, picture("JPEG", size=(2000, 600)), accent_colour="#1a5fb4")
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get()
    image = BrandImage.objects.get()
    assert organisation.logo == image.sha256 and organisation.accent_colour == "#1a5fb4"
    redrawn = Image.open(io.BytesIO(bytes(image.content)))
    assert redrawn.format == "PNG" and redrawn.size == (800, 240) == (image.width, image.height)

    logo = f"/brand/{image.sha256}.png"
    assert client.get(logo).status_code == 404  # not published yet
    publish(note="Branded")
    page = client.get("/pl/privacy/")
    html = page.content.decode()
    assert f'<img class="logo" src="{logo}" alt="Smartsupp.com, s.r.o.">' in html
    assert '<link rel="stylesheet" href="/brand/accent/1a5fb4.css">' in html
    served = client.get(logo)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert bytes(served.content) == bytes(image.content)
    assert "immutable" in served["Cache-Control"] and not served.cookies
    css = client.get("/brand/accent/1a5fb4.css")
    assert css.content.decode() == ":root { --accent: #1a5fb4; }\n"
    assert "img-src 'self'" in page["Content-Security-Policy"]


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.svg",
         "not a PNG, JPEG, WebP image that can be read"),
        (b"<html><script>alert(1)</script></html>", "a.png", "that can be read"),
        (picture("GIF"), "a.gif", "not GIF"),
        (bomb(), "bomb.png", "too large for a logo"),
        (picture("PNG")[:40], "cut.png", "that can be read"),
    ],
)  # fmt: skip
def test_what_is_not_a_logo_is_refused_and_nothing_changes(
    admin_client, demo, content, name, message
):
    before = Organisation.objects.values().get()
    response = upload(admin_client, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organisation.objects.values().get() == before
    assert not BrandImage.objects.exists()


def test_an_oversized_logo_is_refused(admin_client, demo, settings):
    settings.BRAND_LOGO_MAX_BYTES = 1024
    response = upload(admin_client, picture("PNG", size=(300, 300)) + b"\0" * 2048)
    assert "larger than 1 KB" in response.content.decode()
    assert Organisation.objects.get().logo == ""


@pytest.mark.parametrize("colour", ["red", "#12345", "#1a5fb4; } body { display:none", "url(x)"])
def test_an_accent_colour_is_only_ever_a_colour(admin_client, demo, colour):
    response = upload(admin_client, picture(), accent_colour=colour)
    assert response.status_code == 200
    html = response.content.decode()
    assert "#RRGGBB" in html or "at most 7 characters" in html
    assert Organisation.objects.get().accent_colour == ""


def test_only_the_published_logo_is_served_and_asking_for_others_costs_nothing(
    admin_client, client, demo, django_assert_num_queries
):
    upload(admin_client, picture(colour=(1, 2, 3)))
    publish(note="First logo")
    first = Organisation.objects.get().logo
    upload(admin_client, picture(colour=(200, 0, 0)))  # a second logo, not published yet
    second = Organisation.objects.get().logo
    assert client.get(f"/brand/{first}.png").status_code == 200
    with django_assert_num_queries(0):
        assert client.get(f"/brand/{second}.png").status_code == 404
        assert client.get(f"/brand/{'0' * 64}.png").status_code == 404
    assert admin_client.get(f"/brand/{second}.png").status_code == 200  # staff: the draft's


def test_the_accent_stylesheet_is_made_from_its_address_only(client):
    assert client.get("/brand/accent/zzzzzz.css").status_code == 404
    assert client.get("/brand/accent/1a5fb4;x.css").status_code == 404


def test_the_documents_embed_the_logo_and_fetch_nothing(admin_client, demo):
    upload(admin_client, picture(), accent_colour="#b41a1a")
    release = publish(note="Branded")
    fetcher = documents.RefusingFetcher()
    pdf = documents.render("annex", "en", release.snapshot, release=release, fetcher=fetcher)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        images = [name for page in document.pages for name in page.get_images()]
    assert images  # the logo on the cover
    assert pdf_ua.problems(pdf, "en") == []  # the logo is a figure with its alternative text
    assert all(url.startswith(("file://", documents.LOGO_DATA)) for url in fetcher.requested)
    assert any(url.startswith(documents.LOGO_DATA) for url in fetcher.requested)


def test_a_logo_never_changes_or_goes(demo):
    image = branding.prepare_logo(io.BytesIO(picture()))
    with pytest.raises(Exception, match="never changed"):
        image.save()
    with pytest.raises(Exception, match="kept"):
        image.delete()


def test_build_site_writes_the_logo_and_the_accent_stylesheet(admin_client, demo, tmp_path):
    from django.core.management import call_command

    upload(admin_client, picture(), accent_colour="#1a5fb4")
    publish(note="Branded")
    call_command("build_site", "-o", str(tmp_path))
    sha256 = Organisation.objects.get().logo
    assert (tmp_path / "brand" / f"{sha256}.png").read_bytes() == bytes(
        BrandImage.objects.get().content
    )
    assert (tmp_path / "brand/accent/1a5fb4.css").read_text().startswith(":root")
    assert f"/brand/{sha256}.png" in (tmp_path / "en/privacy/index.html").read_text()
