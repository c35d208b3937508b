"""Set up Django for a benchmark script, on its own database."""

import os
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
