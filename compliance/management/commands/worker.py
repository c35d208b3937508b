"""Run a background worker on the database queue: `manage.py worker`.

django-tasks-db's `db_worker`, plus a heartbeat, and tasks of workers that died queued again
(compliance/worker.py). Run one next to each web server, or as many as needed on as many
machines, against the same PostgreSQL. Stop it with SIGTERM or Ctrl+C: it finishes the task it
is running first.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from compliance.worker import Heartbeat


class Command(DatabaseWorkerCommand):
    help = (
        "Run a background worker on the database queue; tasks left running by a worker that "
        "died are queued again."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # Reloading on code changes could stop a task half-way: off unless asked for.
        parser.set_defaults(reload=False)

    def handle(self, *args, **options):
        heartbeat = Heartbeat(options["worker_id"])
        # Before the first task: say this worker is alive, and take over any orphans.
        heartbeat.tick()
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
