"""Imports started in the admin, run in the background (ImportJob; the task is in tasks.py).

Two phases, each a background task the uploader watches with its progress:
1. VALIDATE: the file is read once, every row checked as the import would (writing nothing,
   taking no write lock: imports.validate), and the preview kept: every row's effect, or
   every problem. The rows as read replace the uploaded bytes, so that confirming does not
   parse the file again.
2. WRITE, once confirmed: the rows are checked again against the register as it is now and
   written in one short transaction (imports.run_import).

The file waits in the job's row (the rows as read; an Open Cookie Database file as it came),
visible to its uploader only (the admin views check), and is
removed when written, refused or abandoned (remove_abandoned, after ABANDONED_AFTER).
"""

import dataclasses
import datetime
import time

from django.utils import timezone
from django.utils.translation import gettext

from compliance import ocd
from compliance.imports import (
    ImportFailed,
    pack_dataset,
    read_dataset,
    run_import,
    summary_of,
    unpack_dataset,
    validate,
)
from compliance.models import Cookie, ImportJob, ImportPhase, JobState
from compliance.resources import model_for

# A checked file not confirmed within this time is removed (its job says it expired).
ABANDONED_AFTER = datetime.timedelta(hours=1)
# Finished jobs are kept this long for their uploader to read, then deleted.
KEPT_FOR = datetime.timedelta(days=30)
# How often the rows checked so far are written to the job (seconds).
PROGRESS_EVERY = 1.0


def create(*, user, model, content, file_format, file_name):
    return ImportJob.objects.create(
        created_by=user,
        model_name=model._meta.model_name,
        file_name=file_name[:200],
        file_format=file_format,
        content=content,
    )


class Progress:
    """Writes the number of rows checked to the job, at most once per PROGRESS_EVERY."""

    def __init__(self, job):
        self.job_id = job.pk
        self.written_at = 0.0

    def __call__(self, rows_done):
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_EVERY:
            ImportJob.objects.filter(pk=self.job_id).update(rows_done=rows_done)
            self.written_at = now


def effects(result):
    """[spreadsheet row, effect, key, changes] of each row of an import-export result; the
    changes of an updated row are [[column, old value, new value]]."""
    rows = []
    for number, row in enumerate(result.rows, start=2):
        instance = row.instance
        key = " / ".join(str(part) for part in instance.natural_key()) if instance else ""
        rows.append([number, row.import_type, key, getattr(row, "changes", None) or []])
    return rows


def run_phase(job):
    """The work of the job's current phase (called by tasks.run_import_job)."""
    model = model_for(job.model_name)
    if job.phase == ImportPhase.VALIDATE:
        _check(job, model)
    else:
        _write(job, model)


def _check(job, model):
    content = bytes(job.content)
    try:
        if job.file_format == "ocd":
            if model is not Cookie:
                raise ImportFailed([gettext("The Open Cookie Database imports into cookies only.")])
            report = ocd.import_ocd(
                content, user=job.created_by, dry_run=True, source=job.file_name
            )
            job.preview = {"ocd": dataclasses.asdict(report)}
            # An Open Cookie Database file is kept as it came, for the write.
        else:
            job.content = b""  # memory: the rows as read replace the file (below)
            dataset = read_dataset(content, job.file_format)
            del content
            job.rows_total = len(dataset)
            ImportJob.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
            # Kept before validate(), which consumes the rows of a large register's file.
            job.content = pack_dataset(dataset)
            result = validate(model, dataset, user=job.created_by, progress=Progress(job))
            job.preview = {"summary": summary_of(result), "effects": effects(result)}
            del result
            job.rows_done = job.rows_total
    except ImportFailed as failed:
        job.problems = failed.errors
        job.content = b""
    job.save(update_fields=["preview", "content", "rows_total", "rows_done", "problems"])


def _write(job, model):
    kept = job.content
    if not kept:
        return  # written by an attempt whose worker stopped before it could say so
    job.content = b""  # memory: what is kept is read once, below
    try:
        if job.file_format == "ocd":
            report = ocd.import_ocd(bytes(kept), user=job.created_by, source=job.file_name)
            job.outcome = {"ocd": dataclasses.asdict(report)}
        else:
            dataset = unpack_dataset(kept)
            del kept
            job.rows_total = len(dataset)
            result = run_import(
                model, dataset, user=job.created_by, source=job.file_name, progress=Progress(job)
            )
            job.outcome = {"summary": summary_of(result)}
            job.rows_done = job.rows_total
    except ImportFailed as failed:
        job.problems = failed.errors
    job.save(update_fields=["outcome", "content", "rows_total", "rows_done", "problems"])


def ocd_summary(report):
    return ocd.OcdImportReport(**report).summary()


def remove_abandoned(now=None):
    """Remove the files of checks never confirmed (the job then says the file expired) and
    delete jobs finished long ago."""
    now = now or timezone.now()
    expired = ImportJob.objects.filter(
        phase=ImportPhase.VALIDATE,
        state=JobState.DONE,
        finished_at__lt=now - ABANDONED_AFTER,
    ).exclude(content=b"")
    expired.update(
        content=b"",
        problems=[gettext("The uploaded file has expired: upload it again.")],
    )
    ImportJob.objects.filter(state=JobState.FAILED).exclude(content=b"").update(content=b"")
    ImportJob.objects.filter(
        state__in=[JobState.DONE, JobState.FAILED], created_at__lt=now - KEPT_FOR
    ).delete()
