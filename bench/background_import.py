"""An import at the row limit through the admin, run by a background worker (issues 13, 21).

The honest XLSX of bench/hostile_imports.py (IMPORT_MAX_ROWS cookies, 50,000 by default, 15
columns) is uploaded to the admin's import page through Django's test client, with one
`manage.py worker` process running. Prints: how long the upload request takes; how long until
the preview is ready and how many progress figures the job showed on the way; how long the
write takes once confirmed; how long an editor's save of another cookie waits while the file is
checked and while it is written (the write lock is held only while writing); the worker's peak
memory. Uses bench/background_import.sqlite3 unless DATABASE_URL is set. Run from the project
root:

    .venv/bin/python bench/background_import.py
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("background_import")

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.background import children, rss_kib, start_workers  # noqa: E402
from bench.hostile_imports import honest_rows, packed  # noqa: E402
from compliance import models  # noqa: E402
from compliance.demo import load_demo  # noqa: E402


def save_seconds():
    """An editor's save of another cookie: one UPDATE in its own transaction."""
    started = time.perf_counter()
    models.Cookie.objects.filter(name="ssupp.vid").update(edit_version=models.F("edit_version"))
    return time.perf_counter() - started


def follow(job, phase_done):
    """Poll the job every 0.2 s until `phase_done(job)`; returns (seconds, progress figures
    seen, longest save meanwhile, peak worker RSS in KiB with its child)."""
    started = time.perf_counter()
    progress, longest_save, peak = set(), 0.0, 0
    while True:
        job.refresh_from_db()
        progress.add(job.rows_done)
        longest_save = max(longest_save, save_seconds())
        for worker in WORKERS:
            peak = max(peak, rss_kib(worker.pid) + sum(rss_kib(c) for c in children(worker.pid)))
        if phase_done(job) or job.state == "failed" or job.problems:
            return time.perf_counter() - started, len(progress), longest_save, peak
        time.sleep(0.2)


WORKERS = []


def main():
    environment.print_machine_speed()
    call_command("migrate", verbosity=0)
    load_demo()
    models.Cookie.objects.filter(name__startswith="cookie_").delete()
    models.ImportJob.objects.all().delete()
    models.WorkerHeartbeat.objects.all().delete()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    user.is_staff = user.is_superuser = True
    user.save()
    content = packed(honest_rows)
    rows = settings.IMPORT_MAX_ROWS
    print(f"file: honest XLSX, {rows:,} rows x 15 columns, {len(content) / 1024:.0f} KiB")

    WORKERS.extend(start_workers(1))
    try:
        client = Client()
        client.force_login(user)
        upload = SimpleUploadedFile("cookies.xlsx", content)
        started = time.perf_counter()
        response = client.post(
            reverse("admin:compliance_cookie_import"), {"file": upload, "format": ""}
        )
        elapsed = (time.perf_counter() - started) * 1000
        print(f"upload request: {elapsed:.0f} ms ({response.status_code})")
        job = models.ImportJob.objects.get()
        seconds, figures, longest, peak_check = follow(job, lambda j: j.awaiting_confirmation)
        print(
            f"check: preview ready after {seconds:.1f} s, {figures} progress figures shown; "
            f"an editor's save waited at most {longest * 1000:.0f} ms meanwhile"
        )
        started = time.perf_counter()
        response = client.post(reverse("admin:compliance_cookie_import_job", args=[job.pk]))
        elapsed = (time.perf_counter() - started) * 1000
        print(f"confirm request: {elapsed:.0f} ms ({response.status_code})")
        seconds, figures, longest, peak_write = follow(job, lambda j: j.imported)
        print(
            f"write: imported after {seconds:.1f} s ({job.outcome.get('summary')}); an editor's "
            f"save waited at most {longest * 1000:.0f} ms meanwhile"
        )
        print(
            f"peak memory (RSS) of the worker: {peak_check / 1024:.0f} MiB while checking, "
            f"{peak_write / 1024:.0f} MiB while writing"
        )
    finally:
        for worker in WORKERS:
            worker.terminate()
            worker.wait(timeout=120)
    environment.print_machine_speed()


if __name__ == "__main__":
    main()
