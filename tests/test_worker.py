"""The queue with real workers (`manage.py worker` processes): two workers share 50 tasks and
run each exactly once; a worker killed with SIGKILL in the middle of rendering a document
leaves nothing half-written, and the task runs again on another worker.

Each test gets a database of its own (a new PostgreSQL database when the suite runs on
PostgreSQL, else a SQLite file), migrated by `manage.py migrate`, so that the worker processes
and the test see the same committed rows.
"""

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
TASKS = 50


class QueueDatabase:
    """A migrated database for worker processes, and a way for the test to read it."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        suite = settings.DATABASES["default"]
        self.postgresql = suite["ENGINE"] == "django.db.backends.postgresql"
        if self.postgresql:
            import psycopg

            self.psycopg = psycopg
            self.params = {
                "user": suite["USER"],
                "password": suite["PASSWORD"],
                "host": suite["HOST"] or "127.0.0.1",
                "port": suite["PORT"] or 5432,
            }
            self.name = f"register_queue_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')
            p = self.params
            self.url = f"postgres://{p['user']}:{p['password']}@{p['host']}:{p['port']}/{self.name}"
        else:
            self.path = tmp_path / "queue.sqlite3"
            self.url = f"sqlite:///{self.path}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        self.env.update(
            DJANGO_ENV="development",
            DATABASE_URL=self.url,
            PYTHONPATH=str(ROOT),
            TASK_WORKER_HEARTBEAT_SECONDS="0.5",
            TASK_WORKER_LEASE_SECONDS="3",
        )
        self.manage("migrate", "--noinput")

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def worker(self, *args):
        log = open(self.tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log", "w")  # noqa: SIM115
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--interval",
                "0.2",
                "--no-startup-delay",
                *args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def query(self, sql):
        if self.postgresql:
            with self.psycopg.connect(dbname=self.name, **self.params) as connection:
                return connection.execute(sql).fetchall()
        with sqlite3.connect(self.path, timeout=20) as connection:
            return connection.execute(sql).fetchall()

    def drop(self):
        if self.postgresql:
            with self.psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def queue_database(tmp_path):
    database = QueueDatabase(tmp_path)
    yield database
    database.drop()


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_workers_run_each_of_50_tasks_exactly_once(queue_database, tmp_path):
    runs = tmp_path / "runs.txt"
    queue_database.manage(
        "shell",
        "-c",
        "from tests.queue_tasks import record\n"
        f"for n in range({TASKS}): record.enqueue({str(runs)!r}, n)",
    )
    workers = [queue_database.worker("--batch") for _ in range(2)]
    try:
        for process in workers:
            assert process.wait(timeout=180) == 0
    finally:
        for process in workers:
            stop(process)

    lines = [line.split() for line in runs.read_text().splitlines()]
    numbers = sorted(int(number) for number, _pid in lines)
    assert numbers == list(range(TASKS))  # every task, none twice
    pids = {int(pid) for _number, pid in lines}
    assert pids == {process.pid for process in workers}  # both workers took their share
    statuses = queue_database.query(
        "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
    )
    assert statuses == [("SUCCESSFUL", TASKS)]


def children(pid):
    """The child processes of `pid` (Linux)."""
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def wait_for(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(message)


def test_a_worker_killed_mid_render_leaves_nothing_and_the_task_runs_again(queue_database):
    """SIGKILL while WeasyPrint renders: no document stored, the rendering still marked as
    running; another worker takes the task over once the dead one's lease is out, renders
    it (its second attempt) and the other seven."""
    queue_database.manage("load_demo", "--publish")
    assert queue_database.query("SELECT COUNT(*) FROM compliance_documentrender") == [(8,)]

    first = queue_database.worker()
    try:
        # WeasyPrint renders in a child forked for it (compliance/forked.py): while a rendering
        # is marked running and that child lives, the worker has stored nothing yet. (Other
        # children come and go at start-up: ctypes looking for Pango's library.)
        wait_for(
            lambda: (
                children(first.pid)
                and queue_database.query(
                    "SELECT 1 FROM compliance_documentrender WHERE state = 'running'"
                )
            ),
            120,
            "no rendering started",
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    running = queue_database.query(
        "SELECT id, kind, language FROM compliance_documentrender WHERE state = 'running'"
    )
    [(killed_id, kind, language)] = running
    stored_after_kill = queue_database.query(
        f"SELECT COUNT(*) FROM compliance_releasedocument WHERE kind = '{kind}' "
        f"AND language = '{language}'"
    )
    assert stored_after_kill == [(0,)]
    assert queue_database.query(
        f"SELECT state, attempts FROM compliance_documentrender WHERE id = {killed_id}"
    ) == [("running", 1)]

    second = queue_database.worker()
    try:
        wait_for(
            lambda: (
                queue_database.query(
                    "SELECT COUNT(*) FROM compliance_documentrender WHERE state = 'done'"
                )
                == [(8,)]
            ),
            240,
            "the documents were not all rendered after the restart",
        )
    finally:
        stop(second)

    assert queue_database.query(
        f"SELECT state, attempts FROM compliance_documentrender WHERE id = {killed_id}"
    ) == [("done", 2)]
    assert queue_database.query(
        "SELECT COUNT(*) FROM compliance_documentrender WHERE attempts = 1"
    ) == [(7,)]
    documents = queue_database.query(
        "SELECT kind, language, pdf, sha256 FROM compliance_releasedocument"
    )
    assert len(documents) == 8
    for _kind, _language, pdf, sha256 in documents:
        assert bytes(pdf).startswith(b"%PDF-")
        assert hashlib.sha256(bytes(pdf)).hexdigest() == sha256
    assert queue_database.query(
        "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
    ) == [("SUCCESSFUL", 8)]


@pytest.mark.django_db
def test_only_tasks_of_workers_that_stopped_are_queued_again(database_queue, tmp_path):
    """In-process: a running task goes back to the queue when its worker has given no sign of
    life for the lease, not while it beats, nor when the task started within the lease."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from compliance import worker
    from tests.queue_tasks import record

    now = timezone.now()
    long_ago = now - worker.lease() - datetime.timedelta(seconds=5)
    worker.beat("alive", long_ago, now=now)
    worker.beat("dead", long_ago, now=long_ago)

    def running(worker_id, started_at):
        result = DBTaskResult.objects.get(pk=record.enqueue(str(tmp_path / "x"), 0).id)
        result.claim(worker_id)
        DBTaskResult.objects.filter(pk=result.pk).update(started_at=started_at)
        return str(result.pk)

    of_alive = running("alive", long_ago)
    of_dead = running("dead", long_ago)
    of_unknown = running("never-beat", long_ago)
    just_started = running("starting", now)

    assert sorted(worker.requeue_orphans(now=now)) == sorted([of_dead, of_unknown])
    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert {str(k): v for k, v in statuses.items()} == {
        of_alive: "RUNNING",
        of_dead: "READY",
        of_unknown: "READY",
        just_started: "RUNNING",
    }
    assert worker.requeue_orphans(now=now) == []  # nothing twice
    assert worker.workers_alive(now=now) == 1
