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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_tasks")]

FILES = Path(__file__).resolve().parent / "files"
IMPORT = reverse("admin:compliance_cookie_import")


def upload(name, file_format=""):
    content = (FILES / name).read_bytes()
    return {"file": SimpleUploadedFile(name, content), "format": file_format}


def start(client, data):
    """Upload; the check runs at once (run_tasks): the job's page, followed."""
    return client.post(IMPORT, data, follow=True)


def job_of(response):
    return response.context["job"]


def confirm(client, job):
    return client.post(job_url(job), follow=True)


def job_url(job):
    return reverse("admin:compliance_cookie_import_job", args=[job.pk])


def test_import_previews_then_writes_on_confirmation(admin_client, admin_user, demo):
    """Uploading shows every row's effect and writes nothing; confirming writes, in history."""
    models.Cookie.objects.filter(name="ssupp.visits").delete()
    preview = start(admin_client, upload("cookies.csv"))
    content = preview.content.decode()
    assert preview.status_code == 200
    assert preview.redirect_chain[0][0] == job_url(job_of(preview))
    assert 'id="import-preview"' in content
    assert "3 rows: 1 new, 2 changed, 0 unchanged." in content
    # A changed row says what changes, from what to what.
    assert '<ul class="changes">' in content and "<del>" in content and "<ins>" in content
    assert not models.Cookie.objects.filter(name="ssupp.visits").exists()
    confirmed = confirm(admin_client, job_of(preview))
    assert "Imported 3 rows from cookies.csv: 1 new, 2 updated, 0 unchanged." in (
        confirmed.content.decode()
    )
    cookie = models.Cookie.objects.get(name="ssupp.visits")
    assert Version.objects.get_for_object(cookie).first().revision.user == admin_user


def test_preview_lists_the_rows_that_change_and_counts_the_rest(admin_client, demo):
    """A re-import of the register's own export changes nothing: no row is listed, the
    unchanged ones are counted; a row that changes is listed alone."""
    export = admin_client.get(reverse("admin:compliance_cookie_export"), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    count = len(rows)
    data = {"file": SimpleUploadedFile("same.csv", export.content), "format": ""}
    content = start(admin_client, data).content.decode()
    assert f"{count} rows: 0 new, 0 changed, {count} unchanged." in content
    assert 'id="import-preview"' not in content
    assert f"{count} unchanged rows are not listed." in content

    rows[0]["purpose_en"] = "Changed by the import"
    changed = io.StringIO()
    writer = csv.DictWriter(changed, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    data = {"file": SimpleUploadedFile("one.csv", changed.getvalue().encode()), "format": ""}
    content = start(admin_client, data).content.decode()
    assert content.count('<tr class="effect-') == 1
    assert 'class="effect-update"' in content and "Changed by the import" in content
    assert f"{count - 1} unchanged rows are not listed." in content


@pytest.mark.parametrize(
    ("language", "rows", "expected"),
    [
        ("pl", 1, "Nie wymieniono 1 niezmienionego wiersza."),
        ("pl", 3, "Nie wymieniono 3 niezmienionych wierszy."),
        ("cs", 3, "Neuvádějí se 3 nezměněné řádky."),
        ("cs", 5, "Neuvádí se 5 nezměněných řádků."),
        ("de", 1, "1 unveränderte Zeile wird nicht aufgeführt."),
    ],
)
def test_unchanged_rows_are_counted_in_the_users_language(language, rows, expected):
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override(language):
        text = ngettext(
            "%(rows)s unchanged row is not listed.", "%(rows)s unchanged rows are not listed.", rows
        ) % {"rows": rows}
    assert text == expected


def test_preview_shows_the_errors_and_offers_no_confirmation(admin_client, demo):
    """A bad file's preview lists its problems with row and column; nothing is written."""
    response = start(admin_client, upload("unknown_provider.csv"))
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


def test_expired_or_unknown_job(admin_client, demo):
    """A made-up job is not found; a confirmation of a check whose file expired writes
    nothing and says so."""
    assert admin_client.get(IMPORT + "999999/").status_code == 404
    assert admin_client.post(IMPORT + "999999/").status_code == 404
    models.Cookie.objects.filter(name="ssupp.visits").delete()
    job = job_of(start(admin_client, upload("cookies.csv")))
    models.ImportJob.objects.filter(pk=job.pk).update(content=b"", problems=["expired"])
    response = confirm(admin_client, job)
    assert "expired" in response.content.decode()
    assert not models.Cookie.objects.filter(name="ssupp.visits").exists()


def test_ocd_file_imports_through_the_admin(admin_client):
    """The cookie import accepts the Open Cookie Database format."""
    preview = start(admin_client, upload("ocd_slice.csv", "ocd"))
    assert "from the Open Cookie Database" in preview.content.decode()
    assert not models.Cookie.objects.filter(name="cookiePreferences").exists()
    outcome = confirm(admin_client, job_of(preview))
    assert "Imported" in outcome.content.decode()
    assert models.Cookie.objects.filter(name="cookiePreferences").exists()


def test_export_of_a_filtered_changelist(admin_client, demo):
    """Export follows the changelist's filters: only marketing cookies here."""
    url = reverse("admin:compliance_cookie_export")
    response = admin_client.get(url, {"category__exact": "marketing", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="cookie.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
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
    assert start(client, upload("cookies.csv")).status_code == status
    export = client.get(reverse("admin:compliance_cookie_export"), {"format": "json"})
    assert export.status_code == 200


def test_pending_import_is_private_bound_to_its_user_and_removed(
    admin_client, client, django_user_model, demo
):
    """The waiting file is in the job's row, which only its uploader can see or confirm; it is
    emptied once written, and removed when never confirmed within the hour."""
    import datetime

    from django.utils import timezone

    preview = start(admin_client, upload("cookies.csv"))
    job = job_of(preview)
    assert bytes(models.ImportJob.objects.get(pk=job.pk).content)  # the rows as read, kept

    other = django_user_model.objects.create_superuser("mallory", "m@example.com", "pw")
    client.force_login(other)
    assert client.get(job_url(job)).status_code == 404
    assert client.post(job_url(job)).status_code == 404
    assert models.ImportJob.objects.get(pk=job.pk).awaiting_confirmation

    confirm(admin_client, job)
    job.refresh_from_db()
    assert job.imported
    assert bytes(job.content) == b""

    abandoned = job_of(start(admin_client, upload("cookies.csv")))
    models.ImportJob.objects.filter(pk=abandoned.pk).update(
        finished_at=timezone.now() - datetime.timedelta(hours=1, minutes=1)
    )
    admin_client.get(IMPORT)
    abandoned.refresh_from_db()
    assert bytes(abandoned.content) == b""
    assert not abandoned.awaiting_confirmation
    assert "expired" in confirm(admin_client, abandoned).content.decode()


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

    from compliance import import_jobs

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "domain", "category", "last_reviewed"])
    sheet.append(["dated", "", "necessary", datetime.datetime(2026, 11, 2)])
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile("dated.xlsx", content.getvalue())
    preview = start(admin_client, {"file": upload, "format": ""})
    assert "1 rows: 1 new" in preview.content.decode()
    with mock.patch.object(import_jobs, "read_dataset", side_effect=AssertionError("again")):
        confirmed = confirm(admin_client, job_of(preview))
    assert "Imported 1 rows" in confirmed.content.decode()
    assert models.Cookie.objects.get(name="dated").last_reviewed == datetime.date(2026, 11, 2)


def test_the_import_page_lists_the_users_recent_imports(
    admin_client, client, django_user_model, demo
):
    """Someone who left an import's page finds it again; nobody sees another's imports."""
    job = job_of(start(admin_client, upload("cookies.csv")))
    content = admin_client.get(IMPORT).content.decode()
    assert 'id="recent-imports"' in content
    assert job_url(job) in content
    assert "checked: waiting for your confirmation" in content
    other = django_user_model.objects.create_superuser("mallory", "m@example.com", "pw")
    client.force_login(other)
    assert job_url(job) not in client.get(IMPORT).content.decode()
