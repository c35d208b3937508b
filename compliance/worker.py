"""Workers of the database queue: a sign of life, and tasks of dead workers run again.

django-tasks-db's worker claims a task with a row lock (SELECT ... FOR UPDATE SKIP LOCKED on
PostgreSQL, an exclusive transaction on SQLite) and marks it running, so no task runs twice.
But a worker killed in the middle of a task (kill -9, out of memory, its machine gone) leaves
that task marked running for ever. So each worker started by `manage.py worker` writes a
heartbeat every TASK_WORKER_HEARTBEAT_SECONDS, and looks for tasks marked running by a worker
with no heartbeat for TASK_WORKER_LEASE_SECONDS: those go back to the queue, for any worker.
What the task had written is safe to run again: every task writes its result in one
transaction at its end (tasks.py), so a killed one left nothing half-written.
"""

import contextlib
import datetime
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from compliance.models import WorkerHeartbeat

try:
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
except ImportError:
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends

logger = logging.getLogger(__name__)

# Heartbeats of workers gone for this long are deleted.
FORGET_AFTER = datetime.timedelta(days=1)
# How often each worker queues the deletion of expired consent records.
CLEANUP_EVERY = 24 * 3600
# How often each worker looks for e-mails left unsent, and how old they must be (younger ones
# have their own task queued with them).
EMAIL_RETRY_SECONDS = 300
EMAIL_GRACE = datetime.timedelta(minutes=5)


def lease():
    return datetime.timedelta(seconds=settings.TASK_WORKER_LEASE_SECONDS)


def workers_alive(now=None):
    """How many workers of the database queue gave a sign of life within the lease; None when
    the queue is another (RQ's, say: its own service watches its workers)."""
    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return None
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(seen_at__gte=now - lease()).count()


def beat(worker_id, started_at, now=None):
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": now,
        },
    )


def requeue_orphans(now=None):
    """Put back in the queue the tasks whose worker stopped giving signs of life; returns
    their ids."""
    now = now or timezone.now()
    cutoff = now - lease()
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    requeued = []
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).only("id", "started_at", "worker_ids")
    for result in running:
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        # Only if nobody claimed it again meanwhile (a claim sets a new started_at).
        if DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
        ).update(status=TaskResultStatus.READY):
            logger.warning(
                "Task %s was running on worker %s, which stopped: queued again.",
                result.pk,
                result.worker_ids[-1] if result.worker_ids else "?",
            )
            requeued.append(str(result.pk))
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return requeued


class Heartbeat(threading.Thread):
    """Beats for `worker_id` and requeues orphans, until stop() (daemon: dies with the
    worker, which is the point)."""

    def __init__(self, worker_id):
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()
        self.cleanup_queued_at = None  # time.monotonic() of the last consent-records cleanup
        self.emails_queued_at = None  # time.monotonic() of the last look for unsent e-mails

    def tick(self):
        try:
            beat(self.worker_id, self.started_at)
            requeue_orphans()
            # Scheduled scans: any worker may queue them; a site's pending scan is not doubled.
            from compliance.scanner import queue_due_scans

            queue_due_scans()
            self.queue_consent_cleanup()
            self.queue_email_sending()
        except DatabaseError as error:
            # Busy (SQLite's write lock) or briefly unreachable: the next beat will do.
            logger.warning("Worker heartbeat failed: %s", error)
        finally:
            close_old_connections()

    def queue_consent_cleanup(self):
        """Expired consent records go once a day (looked at when the worker starts too); a
        task is queued only when there is something to delete."""
        now = time.monotonic()
        if self.cleanup_queued_at is None or now - self.cleanup_queued_at >= CLEANUP_EVERY:
            from compliance import consent_log
            from compliance.tasks import delete_expired_consent_records, enqueue

            if consent_log.expired().exists():
                enqueue(delete_expired_consent_records)
            self.cleanup_queued_at = now

    def queue_email_sending(self):
        """E-mails left unsent (the mail server was away, or a worker died mid-send) are
        tried again every EMAIL_RETRY_SECONDS."""
        now = time.monotonic()
        if self.emails_queued_at is None or now - self.emails_queued_at >= EMAIL_RETRY_SECONDS:
            from compliance import subscriptions
            from compliance.tasks import enqueue, send_emails

            if subscriptions.due().filter(queued_at__lt=timezone.now() - EMAIL_GRACE).exists():
                enqueue(send_emails)
            self.emails_queued_at = now

    def run(self):
        try:
            while not self.stopping.wait(settings.TASK_WORKER_HEARTBEAT_SECONDS):
                self.tick()
        finally:
            connection.close()

    def stop(self):
        self.stopping.set()
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
