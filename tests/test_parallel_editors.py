"""SQLite, the default database, under a real multi-process web server: ten editors saving at
once through gunicorn lose nothing and see no error; three publishers at once make one release.

Runs its own gunicorn and manage.py processes on a SQLite file of its own (whatever database
the rest of the suite uses), on the loopback address only.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDITORS = 10
SAVES_EACH = 3
PASSWORD = "parallel-editor-password"

SETUP = f"""
from django.contrib.auth.models import Group, User
from compliance.demo import load_demo
from tests import factories
load_demo()
editors = Group.objects.get(name="editor")
publishers = Group.objects.get(name="publisher")
for n in range({EDITORS}):
    user = User.objects.create_user(f"editor{{n}}", password="{PASSWORD}", is_staff=True)
    user.groups.add(editors, publishers)
    factories.CookieFactory(name=f"parallel_{{n}}", category="necessary", consent_required=False)
"""


def environment(database):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_ENV="development",
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        **kwargs,
    )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FormReader(HTMLParser):
    """The values a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.values, self.textarea, self.select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            else:
                self.values[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


class Editor:
    def __init__(self, base, username):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
        )
        self.username = username

    def get(self, path):
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.read().decode()

    def post(self, path, values):
        data = urllib.parse.urlencode(values).encode()
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def form(self, path):
        status, html = self.get(path)
        assert status == 200, (path, status)
        reader = FormReader()
        reader.feed(html)
        return reader.values

    def log_in(self):
        values = self.form("/admin/login/")
        values.update(username=self.username, password=PASSWORD)
        status, _body = self.post("/admin/login/", values)
        assert status == 302


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, request, response, code, message, headers):
        return response


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parallel")
    env = environment(folder / "register.sqlite3")
    migrated = manage(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    made = manage(env, "shell", "-c", SETUP)
    assert made.returncode == 0, made.stderr
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "compliance.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "gunicorn.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    yield base, env
    gunicorn.terminate()
    gunicorn.wait(timeout=30)


def cookie_ids(env):
    listed = manage(
        env,
        "shell",
        "-c",
        "from compliance.models import Cookie\n"
        "for c in Cookie.objects.filter(name__startswith='parallel_').order_by('name'):\n"
        "    print(c.pk, c.edit_version, c.purpose_en, sep='|')",
    )
    assert listed.returncode == 0, listed.stderr
    return [line.split("|", 2) for line in listed.stdout.splitlines() if "|" in line]


def test_ten_editors_saving_at_once_lose_nothing(server):
    """Ten editors, each saving their own cookie three times, all at the same moment."""
    base, env = server
    rows = cookie_ids(env)
    editors = [Editor(base, f"editor{n}") for n in range(EDITORS)]
    for editor in editors:
        editor.log_in()
    failures, start = [], threading.Barrier(EDITORS, timeout=120)

    def work(n):
        try:
            save_three_times(n)
        except Exception as error:  # reported by the assertion below, not lost in a thread
            failures.append((n, repr(error)))

    def save_three_times(n):
        try:
            editor, (pk, _version, _purpose) = editors[n], rows[n]
            path = f"/admin/compliance/cookie/{pk}/change/"
            forms = [editor.form(path)]
        finally:
            start.wait()
        for save in range(SAVES_EACH):
            values = forms[-1]
            values["purpose_en"] = f"Saved by editor {n}, save {save}"
            values["_continue"] = "Save and continue editing"
            status, body = editor.post(path, values)
            if status != 302:
                errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.S)
                failures.append((n, save, status, errors[:2] or body[:300]))
                return
            forms.append(editor.form(path))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    for n, (_pk, version, purpose) in enumerate(cookie_ids(env)):
        assert purpose == f"Saved by editor {n}, save {SAVES_EACH - 1}"
        assert int(version) == int(rows[n][1]) + SAVES_EACH


def test_three_publishers_at_once_make_one_release(server):
    """The first publishes; the others wait, then are told there is nothing new."""
    _base, env = server
    start = time.monotonic()
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "publish", "--note", f"Publisher {n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in processes]
    assert time.monotonic() - start < 120
    published = [r for r in results if r[0] == 0]
    refused = [r for r in results if r[0] != 0]
    assert len(published) == 1, results
    for _code, _out, err in refused:
        assert "Traceback" not in err
        assert "Nothing changed since release" in err or "at the same moment" in err, err
