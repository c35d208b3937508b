"""Publishing with background rendering: how long publish takes to return, how long until
all 8 documents of the release (2 kinds x 4 languages) are rendered by real workers, and the
workers' memory.

The 500-item register of bench/documents.py is published; `--workers` processes of
`manage.py worker` (the database queue) render the documents meanwhile. Memory is sampled
every 50 ms from /proc: the worker process itself, and the worker with the child it renders
in (compliance.forked). Uses bench/background.sqlite3 unless DATABASE_URL is set. Run from the
project root:

    .venv/bin/python bench/background.py [--workers 1]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment  # noqa: E402

environment.setup("background")

from django.core.management import call_command  # noqa: E402

from bench.documents import fill  # noqa: E402
from compliance import models  # noqa: E402
from compliance.releases import publish  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def rss_kib(pid):
    """Resident memory of process `pid` in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def children(pid):
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def start_workers(count):
    env = {**os.environ, "DJANGO_ENV": "development", "DATABASE_URL": os.environ["DATABASE_URL"]}
    # DEBUG off, as in production: with it on, Django keeps the SQL of the last 9,000 queries
    # (a 50,000-row import's bulk inserts, each as one long text: some 140 MB).
    env["DJANGO_DEBUG"] = "0"
    env.pop("DJANGO_TASKS_BACKEND", None)
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.2", "--no-startup-delay"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    deadline = time.monotonic() + 60
    while models.WorkerHeartbeat.objects.count() < count:
        if time.monotonic() > deadline:
            raise SystemExit("The workers did not start.")
        time.sleep(0.1)
    return workers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    workers_wanted = parser.parse_args().workers
    environment.print_machine_speed()
    call_command("migrate", verbosity=0)
    fill()
    models.WorkerHeartbeat.objects.all().delete()
    items = models.Cookie.objects.count() + models.StorageItem.objects.count()
    print(f"register: {models.Processor.objects.count()} processors, {items} items")

    workers = start_workers(workers_wanted)
    try:
        started = time.perf_counter()
        release = publish(note="Benchmark")
        published = time.perf_counter() - started
        print(f"publish returned in {published:.2f} s with 8 documents queued")

        peak_worker = peak_with_child = 0
        ready_at = {}
        while True:
            for worker in workers:
                own = rss_kib(worker.pid)
                peak_worker = max(peak_worker, own)
                peak_with_child = max(
                    peak_with_child, own + sum(rss_kib(c) for c in children(worker.pid))
                )
            states = dict(
                models.DocumentRender.objects.filter(release=release).values_list("id", "state")
            )
            for render_id, state in states.items():
                if state in ("done", "failed") and render_id not in ready_at:
                    ready_at[render_id] = time.perf_counter() - started
            if len(ready_at) == len(states):
                break
            time.sleep(0.05)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)
    failed = models.DocumentRender.objects.filter(release=release, state="failed").count()
    print(
        f"all 8 documents ready {max(ready_at.values()):.1f} s after publishing began "
        f"({workers_wanted} worker{'s' if workers_wanted > 1 else ''}; first after "
        f"{min(ready_at.values()):.1f} s; {failed} failed)"
    )
    print(
        f"peak memory (RSS) of a worker: {peak_worker / 1024:.0f} MiB; with the child it renders "
        f"in: {peak_with_child / 1024:.0f} MiB"
    )
    environment.print_machine_speed()


if __name__ == "__main__":
    main()
