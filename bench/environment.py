"""Set up Django for a benchmark script, on its own database."""

import argparse
import contextlib
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database_name):
    """Development settings; bench/<database_name>.sqlite3 unless DATABASE_URL is set."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ.setdefault(
        "DATABASE_URL", f"sqlite:///{ROOT / 'bench' / f'{database_name}.sqlite3'}"
    )
    import django

    django.setup()


def seconds(function):
    """How long one call of `function` takes, in seconds."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def rounds_argument(description, default):
    """The scripts' one option: how many rounds to take the median of."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=default)
    return parser.parse_args().rounds


def machine_reference_seconds():
    """Seconds for a fixed pure-Python loop: how fast this machine is right now.

    Shared virtual machines speed up and slow down from minute to minute; printing this beside a
    figure lets two runs be compared.
    """

    def loop():
        total = 0
        for number in range(10_000_000):
            total += number
        return total

    return seconds(loop)


def print_machine_speed():
    print(f"machine speed: the reference loop took {machine_reference_seconds():.2f} s")


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, seconds=20):
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url}")


@contextlib.contextmanager
def gunicorn(workers=2, **environment):
    """gunicorn with `workers` workers in production settings (static files collected, as a
    deployment would) on a free port of 127.0.0.1, the variables `environment` added; yields
    its base URL once it answers."""
    import secrets
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_STATIC_ROOT": str(ROOT / "bench" / "staticfiles"),
        **environment,
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "compliance.wsgi",
        "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        yield base
    finally:
        server.terminate()
        server.wait(10)


def apache_bench(url, requests, headers=(), body=None, content_type="text/plain"):
    """ApacheBench (apache2-utils) at 50 connections with keep-alive, a GET, or a POST of the
    file `body`: (requests per second, p99 in ms, errors, requests answered 2xx)."""
    import re
    import subprocess

    command = ["ab", "-q", "-n", str(requests), "-c", "50", "-k"]
    command += [arg for header in headers for arg in ("-H", header)]
    if body is not None:
        command += ["-p", str(body), "-T", content_type]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests per second:\s+([\d.]+)", output).group(1))
    failed = int(re.search(r"Failed requests:\s+(\d+)", output).group(1))
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
    errors = failed + (int(non_2xx.group(1)) if non_2xx else 0)
    p99 = int(re.search(r"\s99%\s+(\d+)", output).group(1))
    complete = int(re.search(r"Complete requests:\s+(\d+)", output).group(1))
    return rate, p99, errors, complete - errors
