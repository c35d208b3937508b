import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**extra):
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "register.example.com",
        **extra,
    }


def test_deploy_check_is_clean_under_production_settings():
    """manage.py check --deploy reports nothing, not even a warning, in production."""
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    """Forgetting the secret key in production is an error naming the variable."""
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_demo_login_is_refused_in_production():
    """The demo login command never resets a password in production."""
    result = run_manage("demo_login", **production_env())
    assert result.returncode != 0
    assert "refused" in result.stderr


def test_unknown_environment_is_refused():
    """A typo in DJANGO_ENV is an error, not a silent fallback."""
    result = run_manage("check", DJANGO_ENV="prod")
    assert result.returncode != 0
    assert "DJANGO_ENV" in result.stderr


def test_database_is_the_one_configured(db):
    """DATABASE_URL really selects the database the suite runs on (PostgreSQL on CI)."""
    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    assert connection.vendor == ("postgresql" if url.startswith("postgres") else "sqlite")


def test_health_check_answers_plain_http_in_production_and_admin_has_a_csp():
    """Load balancers probe /healthz over HTTP (no redirect to HTTPS); other paths redirect;
    admin pages carry a Content-Security-Policy that allows no inline script."""
    script = (
        "from django.test import Client\n"
        "c = Client(SERVER_NAME='register.example.com')\n"
        "h = c.get('/healthz')\n"
        "print('health', h.status_code, h.content.decode())\n"
        "a = c.get('/admin/login/')\n"
        "print('admin', a.status_code)\n"
        "s = c.get('/admin/jsi18n/', secure=True)\n"
        "print('csp', s.status_code, s['Content-Security-Policy'])\n"
    )
    result = run_manage(
        "shell", "--no-imports", "-c", script, **production_env(DATABASE_URL="sqlite://:memory:")
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines["health"] == "200 ok"
    assert lines["admin"] == "301"
    status, policy = lines["csp"].split(" ", 1)
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors" in policy


def test_sqlite_is_set_up_for_a_multi_user_server(tmp_path):
    """SQLite (the default) runs in WAL mode with a busy timeout and immediate transactions."""
    script = (
        "from django.db import connection\n"
        "cursor = connection.cursor()\n"
        "print(cursor.execute('PRAGMA journal_mode').fetchone()[0])\n"
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])\n"
        "print(connection.settings_dict['OPTIONS']['timeout'])\n"
    )
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    result = run_manage(
        "shell", "--no-imports", "-c", script, DJANGO_ENV="development", DATABASE_URL=database
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE", "20"]
