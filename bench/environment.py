"""Set up Django for a benchmark script, on its own database."""

import argparse
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
