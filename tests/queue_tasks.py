"""Tasks for the queue tests (test_worker.py), run by real worker processes."""

import os
import time

from django_tasks import task
from django_tasks.backends.dummy import DummyBackend


class BackendWithoutPriorities(DummyBackend):
    """Like RQ's backend: tasks cannot be given a priority."""

    supports_priority = False


@task()
def record(path, number):
    """Append '<number> <worker pid>' to `path` (one short write: atomic with O_APPEND)."""
    time.sleep(0.1)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, f"{number} {os.getpid()}\n".encode())
    finally:
        os.close(descriptor)
