"""Background work on Django's Tasks API: a release's documents and large imports.

The tasks use only the Tasks API (task(), enqueue()), so the queue is whatever TASKS in the
settings names: by default a table in our own database, worked by `manage.py worker`
(compliance/worker.py); RQ's backend or any other without changing this code.

What people wait for is kept in our own rows (DocumentRender, ImportJob: BackgroundJob), not
in the queue's: run_job() counts the attempts, records why one failed, tries again a bounded
number of times with a growing pause, and then shows the job as failed. A task whose worker
was killed is run again by another worker (compliance/worker.py) and counts as an attempt, so
a task that kills its worker every time ends as failed too.
"""

import ctypes
import datetime
import gc
import logging
import sys

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from compliance import documents, import_jobs
from compliance.models import (
    DocumentKind,
    DocumentRender,
    ImportJob,
    ImportPhase,
    JobState,
)
from compliance.releases import TamperedRelease

try:  # Django 6 has the Tasks API built in; Django 5.2 has its backport.
    from django.tasks import default_task_backend, task
except ImportError:
    from django_tasks import default_task_backend, task

logger = logging.getLogger(__name__)

# Interactive work (an import someone is watching) goes before documents nobody asked for yet.
IMPORT_PRIORITY = 10


class PermanentFailure(Exception):
    """Trying again cannot help (e.g. a tampered release): the job fails at once."""


def retry_delay(attempts):
    """Seconds to wait before attempt `attempts + 1`: 5, 20, 45, ..."""
    return 5 * attempts**2


def enqueue(work, *args, delay=0, priority=None):
    """Queue `work(*args)`, after `delay` seconds and with `priority` where the backend can
    (RQ's has no priorities); returns the task's id."""
    if priority is not None and default_task_backend.supports_priority:
        work = work.using(priority=priority)
    if delay and default_task_backend.supports_defer:
        run_after = timezone.now() + datetime.timedelta(seconds=delay)
        work = work.using(run_after=run_after)
    return str(work.enqueue(*args).id)


def release_memory():
    """Give back to the operating system what a finished job freed. A worker lives long; without
    this, glibc keeps the freed memory of one job's peak and the next job's peak adds to it
    (a large import's check, then its write: bench/README.md)."""
    gc.collect()
    if sys.platform == "linux":
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _start_attempt(job):
    """Mark `job` running as its next attempt and return it; None when it must not run
    (already finished, or out of attempts: then marked failed). Its state is read again under
    a row lock; the rest of the row (an import's file) is not loaded twice."""
    model = type(job)
    with transaction.atomic():
        current = (
            model.objects.select_for_update()
            .filter(pk=job.pk)
            .values("state", "attempts", "error")
            .first()
        )
        if current is None or current["state"] in (JobState.DONE, JobState.FAILED):
            return None  # delivered twice, or finished by someone else (a download)
        now = timezone.now()
        if current["attempts"] >= settings.TASK_MAX_ATTEMPTS:
            error = current["error"] or gettext(
                "The worker stopped during each of %(attempts)d attempts (it was killed or "
                "ran out of memory)."
            ) % {"attempts": current["attempts"]}
            model.objects.filter(pk=job.pk).update(
                state=JobState.FAILED, error=error, finished_at=now
            )
            return None
        job.attempts = current["attempts"] + 1
        job.state = JobState.RUNNING
        job.error = current["error"]
        job.started_at = now
        model.objects.filter(pk=job.pk).update(
            attempts=job.attempts, state=job.state, started_at=now
        )
        return job


def run_job(job, work, *, retry, priority=None):
    """Run `work(job)` as the next attempt of `job`: DONE when it returns; on an exception,
    queued again (task `retry` with the job's id, after retry_delay, with `priority`) until
    TASK_MAX_ATTEMPTS, then FAILED with the reason."""
    job = _start_attempt(job)
    if job is None:
        return
    try:
        work(job)
        release_memory()
    except Exception as error:
        release_memory()
        logger.exception("%s %s failed (attempt %d)", type(job).__name__, job.pk, job.attempts)
        job.error = str(error) or type(error).__name__
        if isinstance(error, PermanentFailure) or job.attempts >= settings.TASK_MAX_ATTEMPTS:
            job.state = JobState.FAILED
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "error", "finished_at"])
        else:
            job.state = JobState.QUEUED
            job.save(update_fields=["state", "error"])
            task_id = enqueue(retry, job.pk, delay=retry_delay(job.attempts), priority=priority)
            type(job).objects.filter(pk=job.pk).update(task_id=task_id)
        return
    job.state = JobState.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "finished_at"])


# --- A release's documents ------------------------------------------------------------------


@task()
def render_document(render_id):
    """Render and store one document of a release in one language."""
    job = DocumentRender.objects.select_related("release").filter(pk=render_id).first()
    if job is not None:
        run_job(job, _render, retry=render_document)


def _render(job):
    try:
        documents.release_document(job.release, job.kind, job.language)
    except TamperedRelease as refusal:
        raise PermanentFailure(str(refusal)) from None


def queue_release_documents(release):
    """Queue the rendering of each document of `release`, in every language, that is neither
    stored nor already queued or rendering: all of them when the release is published or
    redacted, the failed ones when someone asks again. Returns the DocumentRenders queued."""
    languages = [code for code, _name in settings.LANGUAGES]
    existing = {
        (render.kind, render.language): render
        for render in DocumentRender.objects.filter(release=release)
    }
    stored = set(release.documents.values_list("kind", "language"))
    queued = []
    for kind in DocumentKind.values:
        for language in languages:
            if (kind, language) in stored:
                continue
            render = existing.get((kind, language))
            if render is None:
                render = DocumentRender(release=release, kind=kind, language=language)
            elif render.pending:
                continue
            render.state = JobState.QUEUED
            render.attempts = 0
            render.error = ""
            render.queued_at = timezone.now()
            render.started_at = render.finished_at = None
            render.save()
            # Saved first: a backend that runs tasks at once (tests) finds it queued.
            render.task_id = enqueue(render_document, render.pk)
            DocumentRender.objects.filter(pk=render.pk).update(task_id=render.task_id)
            queued.append(render)
    return queued


def document_states(release):
    """{(kind, language): DocumentRender} of `release`, and a ready entry for each stored
    document that has none (releases published before documents were queued)."""
    states = {(r.kind, r.language): r for r in DocumentRender.objects.filter(release=release)}
    for kind, language in release.documents.values_list("kind", "language"):
        if (kind, language) not in states:
            states[(kind, language)] = DocumentRender(
                release=release, kind=kind, language=language, state=JobState.DONE
            )
        elif states[(kind, language)].state != JobState.DONE:
            # Rendered by a download meanwhile: the stored PDF is what counts.
            states[(kind, language)].state = JobState.DONE
    return states


# --- Imports ---------------------------------------------------------------------------------


@task()
def run_import_job(job_id):
    """Check (phase VALIDATE) or write (phase WRITE) an import started in the admin."""
    # The preview (every row's effect, some 20 MB for 50,000 rows) is written here, not read.
    job = ImportJob.objects.defer("preview").filter(pk=job_id).first()
    if job is not None:
        run_job(job, import_jobs.run_phase, retry=run_import_job, priority=IMPORT_PRIORITY)


def start_import(*, user, model, content, file_format, file_name):
    """Keep an uploaded file and queue its check; returns the ImportJob."""
    with transaction.atomic():
        job = import_jobs.create(
            user=user, model=model, content=content, file_format=file_format, file_name=file_name
        )
        job.task_id = enqueue(run_import_job, job.pk, priority=IMPORT_PRIORITY)
        ImportJob.objects.filter(pk=job.pk).update(task_id=job.task_id)
    return job


def confirm_import(job):
    """Queue the writing of a checked import; False if it is not waiting for confirmation."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.awaiting_confirmation:
            return False
        job.phase = ImportPhase.WRITE
        job.state = JobState.QUEUED
        job.attempts = 0
        job.error = ""
        job.rows_done = 0
        job.queued_at = timezone.now()
        job.started_at = job.finished_at = None
        job.save()
        # In the same transaction (the database queue's row commits with it): never a job
        # marked queued with no task.
        task_id = enqueue(run_import_job, job.pk, priority=IMPORT_PRIORITY)
        ImportJob.objects.filter(pk=job.pk).update(task_id=task_id)
    return True


# --- Site scans -----------------------------------------------------------------------------


@task()
def run_scan(scan_id):
    """Scan a registered site in a real browser (compliance/scanner/)."""
    from compliance.models import Scan

    job = Scan.objects.select_related("site").filter(pk=scan_id).first()
    if job is not None:
        run_job(job, _scan, retry=run_scan)


def _scan(job):
    from compliance import scanner
    from compliance.scanner.browser import BrowserFailed

    try:
        scanner.run(job)
    except (scanner.ScanRefused, BrowserFailed) as refusal:
        # A page that is not the site's, a private address, a missing browser or a consent
        # button that is not there: trying again cannot help.
        raise PermanentFailure(str(refusal)) from None


@task()
def delete_expired_consent_records():
    """Delete the consent records past CONSENT_RETENTION_DAYS, in batches (queued daily by each
    worker's heartbeat; running it twice deletes nothing twice)."""
    from compliance import consent_log

    deleted = consent_log.delete_expired()
    if deleted:
        logger.info("Deleted %d consent records past their retention period.", deleted)
    return deleted


@task()
def send_emails():
    """Send the queued e-mails (compliance/subscriptions.py). Queued with each confirmation and
    each release's notices, and again by the workers' heartbeat while any wait; two runs at
    once never send one e-mail twice (each claims its e-mails one by one)."""
    from compliance import subscriptions

    try:
        sent = subscriptions.send_queued()
    except subscriptions.SendingInterrupted as interrupted:
        # Nothing lost: what is left stays queued for the heartbeat's next run.
        logger.warning("E-mail sending stopped: %s", interrupted)
        return 0
    if sent:
        logger.info("Sent %d e-mails.", sent)
    return sent
