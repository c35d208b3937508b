import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from reversion.models import Version

from compliance import models

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent / "files"
IMPORT = reverse("admin:compliance_cookie_import")


def upload(name, file_format=""):
    content = (FILES / name).read_bytes()
    return {"file": SimpleUploadedFile(name, content), "format": file_format}


def test_import_previews_then_writes_on_confirmation(admin_client, admin_user, demo):
    """Uploading shows every row's effect and writes nothing; confirming writes, in history."""
    models.Cookie.objects.filter(name="ssupp.visits").delete()
    preview = admin_client.post(IMPORT, upload("cookies.csv"))
    content = preview.content.decode()
    assert preview.status_code == 200
    assert 'id="import-preview"' in content
    assert "3 rows: 1 new, 2 updated, 0 unchanged." in content
    assert not models.Cookie.objects.filter(name="ssupp.visits").exists()
    token = preview.context["token"]
    confirmed = admin_client.post(
        IMPORT, {"token": token, "file_format": "csv", "file_name": "cookies.csv"}
    )
    assert confirmed.status_code == 302
    cookie = models.Cookie.objects.get(name="ssupp.visits")
    assert Version.objects.get_for_object(cookie).first().revision.user == admin_user


def test_preview_shows_the_errors_and_offers_no_confirmation(admin_client, demo):
    """A bad file's preview lists its problems with row and column; nothing is written."""
    response = admin_client.post(IMPORT, upload("unknown_provider.csv"))
    content = response.content.decode()
    assert (
        "Row 4, column &#x27;provider&#x27;: there is no processor &#x27;Nobody Ltd&#x27;"
        in content
    )
    assert 'id="confirm-import"' not in content


@override_settings(IMPORT_MAX_BYTES=50)
def test_oversized_upload_is_refused(admin_client, demo):
    """An upload over the limit gets a one-line error."""
    content = admin_client.post(IMPORT, upload("cookies.csv")).content.decode()
    assert "the limit is 50 bytes" in content


def test_expired_or_forged_token(admin_client, demo):
    """A confirmation whose file is gone (or a made-up token) writes nothing."""
    response = admin_client.post(
        IMPORT, {"token": "../../etc/passwd", "file_format": "csv", "file_name": "x.csv"}
    )
    assert "The uploaded file has expired" in response.content.decode()


def test_ocd_file_imports_through_the_admin(admin_client):
    """The cookie import accepts the Open Cookie Database format."""
    preview = admin_client.post(IMPORT, upload("ocd_slice.csv", "ocd"))
    assert "from the Open Cookie Database" in preview.content.decode()
    admin_client.post(
        IMPORT,
        {"token": preview.context["token"], "file_format": "ocd", "file_name": "ocd_slice.csv"},
    )
    assert models.Cookie.objects.filter(name="cookiePreferences").exists()


def test_export_of_a_filtered_changelist(admin_client, demo):
    """Export follows the changelist's filters: only marketing cookies here."""
    url = reverse("admin:compliance_cookie_export")
    response = admin_client.get(url, {"category__exact": "marketing", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="cookie.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["name"] for row in rows] == ["ssupp.visits"]


def test_changelist_offers_import_and_export(admin_client, demo):
    """The changelist links to import, to the exports and to recovering deleted rows."""
    content = admin_client.get(reverse("admin:compliance_cookie_changelist")).content.decode()
    assert IMPORT in content
    assert "format=xlsx" in content
    assert reverse("admin:compliance_cookie_recoverlist") in content


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("editor", 200)])
def test_import_is_permissioned_like_edits(client, django_user_model, demo, role, status):
    """A viewer cannot import (but can export); an editor can."""
    user = django_user_model.objects.create_user(role, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    assert client.get(IMPORT).status_code == status
    assert client.post(IMPORT, upload("cookies.csv")).status_code == status
    export = client.get(reverse("admin:compliance_cookie_export"), {"format": "json"})
    assert export.status_code == 200


def test_pending_import_is_private_bound_to_its_user_and_removed(
    admin_client, client, django_user_model, demo
):
    """The waiting file is readable by the server's user only, cannot be confirmed by another
    user, is gone after confirmation, and is swept when never confirmed."""
    import os
    import stat
    import time

    from compliance import transfer_admin

    preview = admin_client.post(IMPORT, upload("cookies.csv"))
    token = preview.context["token"]
    user = preview.wsgi_request.user
    pending = transfer_admin.pending_path(user, token)
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    assert stat.S_IMODE(pending.parent.stat().st_mode) == 0o700

    other = django_user_model.objects.create_superuser("mallory", "m@example.com", "pw")
    client.force_login(other)
    stolen = client.post(IMPORT, {"token": token, "file_format": "csv", "file_name": "x.csv"})
    assert "has expired" in stolen.content.decode()
    assert pending.exists()

    confirmed = admin_client.post(
        IMPORT, {"token": token, "file_format": "csv", "file_name": "cookies.csv"}
    )
    assert confirmed.status_code == 302
    assert not pending.exists()

    abandoned = admin_client.post(IMPORT, upload("cookies.csv")).context["token"]
    left = transfer_admin.pending_path(user, abandoned)
    old = time.time() - transfer_admin.PENDING_IMPORT_MAX_AGE - 60
    os.utime(left, (old, old))
    admin_client.get(IMPORT)
    assert not left.exists()


@override_settings(IMPORT_MAX_BYTES=1000)
def test_oversized_upload_is_cut_off_while_it_arrives(admin_client, demo):
    """A request larger than the limit is refused with the sizes, before it is stored."""
    big = SimpleUploadedFile("big.csv", b"name,domain,category\n" + b"x,,necessary\n" * 10_000)
    response = admin_client.post(IMPORT, {"file": big, "format": ""})
    content = response.content.decode()
    assert "the limit is 1,000 bytes" in content
    assert "This field is required" not in content
    assert 'id="confirm-import"' not in content


def test_file_is_parsed_once_and_dates_survive(admin_client, demo):
    """Confirming imports the rows the preview read (the file is not read again); an XLSX
    date cell keeps its date across the two steps."""
    import datetime
    import io
    from unittest import mock

    import openpyxl

    from compliance import transfer_admin

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "domain", "category", "last_reviewed"])
    sheet.append(["dated", "", "necessary", datetime.datetime(2026, 11, 2)])
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile("dated.xlsx", content.getvalue())
    preview = admin_client.post(IMPORT, {"file": upload, "format": ""})
    assert "1 rows: 1 new" in preview.content.decode()
    with mock.patch.object(transfer_admin, "read_dataset", side_effect=AssertionError("again")):
        confirmed = admin_client.post(
            IMPORT, {"token": preview.context["token"], "file_name": "dated.xlsx"}
        )
    assert confirmed.status_code == 302
    assert models.Cookie.objects.get(name="dated").last_reviewed == datetime.date(2026, 11, 2)
