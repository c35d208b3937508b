"""Background work (compliance/tasks.py), run in the test's process: what each task does, its
attempts and retries, and what the admin shows. The queue itself, with real workers, is
tested in test_worker.py."""

import hashlib
import io

import pypdf
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from compliance import documents, import_jobs, releases, tasks, worker
from compliance.models import (
    Cookie,
    DocumentKind,
    DocumentRender,
    ImportJob,
    ImportPhase,
    JobState,
    Release,
    ReleaseDocument,
)

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "pl", "cs", "de"]
EVERY_DOCUMENT = {(kind, language) for kind in DocumentKind.values for language in LANGUAGES}


class FakeRender:
    """Stands in for WeasyPrint where a test is about the queue, not the PDF: counts calls,
    fails the first `failures` of them."""

    def __init__(self, failures=0):
        self.calls = []
        self.failures = failures
        self.error = RuntimeError("Pango fell over")

    def __call__(self, kind, language, snapshot, **kwargs):
        self.calls.append((kind, language))
        if len(self.calls) <= self.failures:
            raise self.error
        return f"%PDF-1.7 fake {kind} {language}".encode()


@pytest.fixture
def fake_render(monkeypatch):
    render = FakeRender()
    monkeypatch.setattr(documents, "render", render)
    return render


def renders(release):
    return {(r.kind, r.language): r for r in DocumentRender.objects.filter(release=release)}


def test_publishing_queues_every_document_in_every_language(demo, fake_render):
    """The suite's default backend records tasks without running them: publishing returns
    with 8 documents queued, none rendered."""
    release = releases.publish(note="First")
    queued = renders(release)
    assert set(queued) == EVERY_DOCUMENT
    assert {r.state for r in queued.values()} == {JobState.QUEUED}
    assert all(r.task_id for r in queued.values())
    assert not ReleaseDocument.objects.filter(release=release).exists()
    assert fake_render.calls == []


def test_a_refused_publish_queues_nothing(demo, fake_render):
    releases.publish(note="First")
    with pytest.raises(releases.PublishRefused):
        releases.publish(note="Nothing changed")
    assert DocumentRender.objects.count() == len(EVERY_DOCUMENT)


@pytest.mark.usefixtures("run_tasks")
def test_documents_are_rendered_at_publish(demo):
    """With the tasks run, every document of the release is stored, really rendered in its
    language, and marked ready after one attempt."""
    release = releases.publish(note="First")
    states = renders(release)
    assert {r.state for r in states.values()} == {JobState.DONE}
    assert {r.attempts for r in states.values()} == {1}
    stored = {(d.kind, d.language): d for d in release.documents.all()}
    assert set(stored) == EVERY_DOCUMENT
    for (kind, language), document in stored.items():
        pdf = bytes(document.pdf)
        assert hashlib.sha256(pdf).hexdigest() == document.sha256
        text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "Smartsupp" in text, (kind, language)
    polish = pypdf.PdfReader(io.BytesIO(bytes(stored[("annex", "pl")].pdf)))
    assert "Strona 1 z" in polish.pages[0].extract_text()


@pytest.mark.usefixtures("run_tasks")
def test_a_failing_render_is_tried_again_and_then_succeeds(demo, monkeypatch):
    fake = FakeRender(failures=2)
    monkeypatch.setattr(documents, "render", fake)
    monkeypatch.setattr("django.conf.settings.LANGUAGES", [("en", "English")])
    release = releases.publish(note="First")
    annex = renders(release)[("annex", "en")]
    assert annex.state == JobState.DONE
    assert annex.attempts == 3  # failed, failed, rendered
    assert ReleaseDocument.objects.filter(release=release, kind="annex").count() == 1


@pytest.mark.usefixtures("run_tasks")
def test_a_render_that_keeps_failing_ends_failed_with_its_reason(
    demo, monkeypatch, admin_client, settings
):
    """Bounded: TASK_MAX_ATTEMPTS tries, then failed, shown with the reason in the admin,
    and queued again on request."""
    settings.TASK_MAX_ATTEMPTS = 3
    fake = FakeRender(failures=1000)
    monkeypatch.setattr(documents, "render", fake)
    release = releases.publish(note="First")
    states = renders(release)
    assert {r.state for r in states.values()} == {JobState.FAILED}
    assert {r.attempts for r in states.values()} == {3}
    assert {r.error for r in states.values()} == {"Pango fell over"}
    assert len(fake.calls) == 3 * len(EVERY_DOCUMENT)

    page = admin_client.get(reverse("admin:compliance_release_change", args=[release.pk]))
    content = page.content.decode()
    assert content.count("failed: Pango fell over") == len(EVERY_DOCUMENT)
    assert 'id="render-documents"' in content

    fake.failures = 0
    admin_client.post(reverse("admin:compliance_release_render", args=[release.number]))
    assert {r.state for r in renders(release).values()} == {JobState.DONE}
    assert release.documents.count() == len(EVERY_DOCUMENT)


@pytest.mark.usefixtures("run_tasks")
def test_a_tampered_release_fails_at_once(demo, monkeypatch, fake_render):
    """Trying again cannot help: one attempt, failed, with the reason."""

    def tampered(release):
        raise releases.TamperedRelease("Release 1 does not match its content hash.")

    monkeypatch.setattr(documents, "verified_snapshot", tampered)
    release = releases.publish(note="First")
    annex = renders(release)[("annex", "en")]
    assert (annex.state, annex.attempts) == (JobState.FAILED, 1)
    assert "does not match its content hash" in annex.error


def test_out_of_attempts_after_killed_workers_is_failed(demo, fake_render, settings):
    """A task whose worker died on each attempt (it was run again each time) ends failed
    when it comes round once more, without rendering."""
    settings.TASK_MAX_ATTEMPTS = 2
    release = releases.publish(note="First")
    annex = renders(release)[("annex", "en")]
    DocumentRender.objects.filter(pk=annex.pk).update(state=JobState.RUNNING, attempts=2)
    tasks.render_document.call(annex.pk)
    annex.refresh_from_db()
    assert annex.state == JobState.FAILED
    assert "stopped during each of 2 attempts" in annex.error
    assert fake_render.calls == []


def test_a_finished_job_delivered_again_does_nothing(demo, fake_render):
    release = releases.publish(note="First")
    annex = renders(release)[("annex", "en")]
    tasks.render_document.call(annex.pk)
    tasks.render_document.call(annex.pk)
    annex.refresh_from_db()
    assert (annex.state, annex.attempts) == (JobState.DONE, 1)
    assert fake_render.calls == [("annex", "en")]


def test_a_download_before_the_worker_renders_then_and_the_task_keeps_it(
    admin_client, demo, fake_render
):
    release = releases.publish(note="First")
    url = reverse("admin:compliance_release_document", args=[release.number, "summary", "pl"])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 fake summary pl"
    render = renders(release)[("summary", "pl")]
    tasks.render_document.call(render.pk)
    render.refresh_from_db()
    assert render.state == JobState.DONE
    assert fake_render.calls == [("summary", "pl")]  # rendered once, by the download


def test_release_page_shows_each_state_and_follows_while_a_worker_works(
    admin_client, demo, fake_render, database_queue
):
    release = releases.publish(note="First")
    page_url = reverse("admin:compliance_release_change", args=[release.pk])
    states = renders(release)
    DocumentRender.objects.filter(pk=states[("annex", "pl")].pk).update(state=JobState.RUNNING)
    tasks.render_document.call(states[("annex", "en")].pk)
    DocumentRender.objects.filter(pk=states[("summary", "de")].pk).update(
        state=JobState.FAILED, error="Out of memory"
    )

    content = admin_client.get(page_url).content.decode()
    assert content.count('data-state="queued"') == 5
    assert content.count('data-state="running"') == 1
    assert content.count('data-state="done"') == 1
    assert content.count('data-state="failed"') == 1
    for label in ("queued", "rendering", "ready", "failed: Out of memory"):
        assert f"<td>{label}" in content
    # No worker alive: the page says so instead of refreshing in vain.
    assert 'id="no-worker"' in content
    assert 'http-equiv="refresh"' not in content

    worker.beat("worker-1", timezone.now())
    content = admin_client.get(page_url).content.decode()
    assert 'id="no-worker"' not in content
    assert '<meta http-equiv="refresh" content="3">' in content

    for render in DocumentRender.objects.filter(release=release):
        DocumentRender.objects.filter(pk=render.pk).update(state=JobState.DONE)
        documents.release_document(release, render.kind, render.language)
    content = admin_client.get(page_url).content.decode()
    assert 'http-equiv="refresh"' not in content
    assert content.count('data-state="done"') == len(EVERY_DOCUMENT)


def test_polish_release_page(admin_client, demo, fake_render):
    release = releases.publish(note="First")
    page = admin_client.get(
        reverse("admin:compliance_release_change", args=[release.pk]),
        headers={"accept-language": "pl"},
    )
    assert "w kolejce" in page.content.decode()


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("editor", 403), ("publisher", 302)])
def test_only_publishers_queue_documents_again(client, django_user_model, demo, role, status):
    release = releases.publish(note="First")
    user = django_user_model.objects.create_user(role, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    url = reverse("admin:compliance_release_render", args=[release.number])
    assert client.post(url).status_code == status
    assert client.get(url).status_code in (403, 405)


def test_a_redaction_renders_the_documents_again(demo, fake_render):
    release = releases.publish(note="First")
    for render in DocumentRender.objects.filter(release=release):
        tasks.render_document.call(render.pk)
    assert release.documents.count() == len(EVERY_DOCUMENT)
    releases.redact(release, [("Smartsupp.com, s.r.o.", "[redacted]")], reason="Art. 17")
    assert release.documents.count() == 0
    assert {r.state for r in renders(release).values()} == {JobState.QUEUED}


def test_a_document_rendered_before_a_redaction_is_not_stored(demo, monkeypatch):
    """A worker renders the snapshot, a redaction replaces it meanwhile: the old PDF (with
    the erased values) must not be stored."""
    release = releases.publish(note="First")

    def render_while_redacted(kind, language, snapshot, **kwargs):
        releases.redact(
            Release.objects.get(pk=release.pk),
            [("Smartsupp.com, s.r.o.", "[redacted]")],
            reason="Art. 17",
        )
        return b"%PDF-1.7 with the erased name"

    monkeypatch.setattr(documents, "render", render_while_redacted)
    with pytest.raises(documents.StaleRelease):
        documents.release_document(release, "annex", "en")
    assert not ReleaseDocument.objects.filter(release=release).exists()


# --- Imports -----------------------------------------------------------------------------------


def test_import_check_reports_progress_while_it_runs(admin_user, demo, monkeypatch):
    """The number of rows checked reaches the job while the check runs (another process
    reads it from the database)."""
    seen = []
    monkeypatch.setattr(import_jobs, "PROGRESS_EVERY", 0)
    original = import_jobs.Progress.__call__

    def watched(self, rows_done):
        original(self, rows_done)
        seen.append(ImportJob.objects.get(pk=self.job_id).rows_done)

    monkeypatch.setattr(import_jobs.Progress, "__call__", watched)
    rows = "\n".join(f"progress_{n},,necessary" for n in range(25))
    job = tasks.start_import(
        user=admin_user,
        model=Cookie,
        content=f"name,domain,category\n{rows}\n".encode(),
        file_format="csv",
        file_name="many.csv",
    )
    tasks.run_import_job.call(job.pk)
    job.refresh_from_db()
    assert seen == list(range(1, 26))
    assert (job.rows_done, job.rows_total) == (25, 25)
    assert job.awaiting_confirmation
    assert job.preview["summary"] == {"new": 25, "update": 0, "skip": 0, "total": 25}

    assert tasks.confirm_import(job)
    assert not tasks.confirm_import(job)  # a second confirmation queues nothing
    tasks.run_import_job.call(job.pk)
    job.refresh_from_db()
    assert job.imported
    assert job.phase == ImportPhase.WRITE
    assert bytes(job.content) == b""


def start_small_import(user):
    return tasks.start_import(
        user=user,
        model=Cookie,
        content=b"name,domain,category\na,,necessary\n",
        file_format="csv",
        file_name="a.csv",
    )


def test_import_job_page_shows_progress_and_follows_it(
    admin_client, admin_user, demo, database_queue
):
    job = start_small_import(admin_user)
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, rows_done=4000, rows_total=20000
    )
    url = reverse("admin:compliance_cookie_import_job", args=[job.pk])
    assert 'id="no-worker"' in admin_client.get(url).content.decode()
    worker.beat("worker-1", timezone.now())
    content = admin_client.get(url).content.decode()
    assert 'id="no-worker"' not in content
    assert '<progress value="4000" max="20000"' in content
    assert "4000 of 20000 rows checked" in content
    assert '<meta http-equiv="refresh" content="2">' in content
    assert 'id="confirm-import"' not in content


def test_a_backend_without_priorities_queues_imports_all_the_same(admin_user, demo, settings):
    """RQ's backend has no priorities: the import's priority is left out, not refused."""
    settings.TASKS = {"default": {"BACKEND": "tests.queue_tasks.BackendWithoutPriorities"}}
    job = start_small_import(admin_user)
    assert job.task_id
