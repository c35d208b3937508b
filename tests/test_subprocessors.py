"""Sub-processors by effective date (compliance/subprocessors.py): one processor walked through
its whole life on a controlled clock, with the public page, Annex IV, the release JSON and the
Atom feed checked to agree at each step."""

import datetime
import io
import json
import re
import xml.etree.ElementTree as ET

import pypdf
import pytest
from django.utils import timezone

from compliance import documents, public, subprocessors
from compliance.models import Processor, Release
from compliance.releases import publish
from tests import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
START = datetime.date(2027, 1, 4)
NAME = "NewCo Hosting s.r.o."


@pytest.fixture
def clock(monkeypatch):
    """The date everything sees (timezone.now at 10:00 local time on it)."""

    class Clock:
        def set(self, date):
            moment = timezone.make_aware(datetime.datetime.combine(date, datetime.time(10)))
            monkeypatch.setattr(timezone, "now", lambda: moment)
            public.forget()

    return Clock()


def day(n):
    return START + datetime.timedelta(days=n)


def page_text(client, language="en"):
    return client.get(f"/{language}/subprocessors/").content.decode()


def engaged_section(html):
    return html.split('id="engaged"')[1].split('id="upcoming"')[0]


def intended_section(html):
    return html.split('id="upcoming"')[1].split('id="history"')[0]


def release_json(client, number):
    return json.loads(client.get(f"/api/v1/releases/{number}.json").content)


def annex_parts(release, language="en"):
    """Annex IV's text: (the list, the intended changes)."""
    pdf = documents.render("annex", language, release.snapshot, release=release)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    heading = {"en": "Intended changes", "pl": "Zamierzone zmiany"}[language]
    annex_iv = text.split("Annex IV" if language == "en" else "Załącznik IV")[-1]
    listed, intended = annex_iv.split(heading, 1)
    return listed, intended


def feed_entries(client, language="en"):
    feed = ET.fromstring(client.get(f"/{language}/subprocessors/feed.atom").content)
    return [
        (
            entry.find(f"{ATOM}title").text,
            entry.find(f"{ATOM}summary").text,
            entry.find(f"{ATOM}link").get("href"),
        )
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_one_processor_through_its_whole_life(client, demo, clock):
    clock.set(day(0))
    publish(note="Agreed list")

    # Day 1: NewCo is announced, to be engaged after the 30-day notice period.
    clock.set(day(1))
    factories.ProcessorFactory(name=NAME, status="active")
    second = publish(note="Adds NewCo", notice_days=30)
    starts, objections_until = day(31), day(30)

    html = page_text(client)
    assert f"accurate on {day(1)}" in html
    assert NAME not in engaged_section(html)
    assert NAME in intended_section(html)
    assert str(starts) in intended_section(html)
    assert f"may object until {objections_until} by e-mail to" in intended_section(html)

    listed, intended = annex_parts(second)
    assert f"accurate on {day(1)}" in listed
    assert NAME not in listed
    assert NAME in intended and str(starts) in intended and str(objections_until) in intended

    payload = release_json(client, second.number)["subprocessors"]
    assert payload["accurate_on"] == str(day(1))
    assert NAME not in [p["name"] for p in payload["engaged"]]
    [change] = payload["intended_changes"]
    assert (change["processor"], change["change"]) == (NAME, "added")
    assert (change["takes_effect_on"], change["objections_until"]) == (
        str(starts),
        str(objections_until),
    )

    [(title, summary, link)] = feed_entries(client)
    assert NAME in title
    assert str(starts) in summary and str(objections_until) in summary
    anchor = link.split("#")[1]
    assert f'id="{anchor}"' in html  # the feed's link resolves on the page

    # Day 30: still announced; day 31: engaged, nothing intended. The release's own outputs
    # (JSON, Annex IV) keep saying what they said on their effective date.
    clock.set(day(30))
    assert NAME not in engaged_section(page_text(client))
    clock.set(day(31))
    html = page_text(client)
    assert NAME in engaged_section(html)
    assert NAME not in intended_section(html)
    assert release_json(client, second.number)["subprocessors"] == payload

    # Day 40: NewCo is leaving; its last day is day 60.
    clock.set(day(40))
    newco = Processor.objects.get(name=NAME)
    newco.status = "retired"
    newco.active_until = day(60)
    newco.save()
    third = publish(note="NewCo leaves")
    html = page_text(client)
    assert NAME in engaged_section(html)
    assert f"engaged until {day(60)}" in engaged_section(html)
    assert NAME in intended_section(html) and str(day(61)) in intended_section(html)
    assert "may object" not in intended_section(html)  # a removal is not objected to

    listed, intended = annex_parts(third)
    assert NAME in listed and f"engaged until {day(60)}" in listed
    assert NAME in intended and str(day(61)) in intended

    payload = release_json(client, third.number)["subprocessors"]
    [newco_row] = [p for p in payload["engaged"] if p["name"] == NAME]
    assert (newco_row["state"], newco_row["last_day"]) == ("leaving", str(day(60)))
    [change] = payload["intended_changes"]
    assert (change["change"], change["takes_effect_on"], change["objections_until"]) == (
        "removed",
        str(day(61)),
        None,
    )
    titles = [title for title, _summary, _link in feed_entries(client)]
    assert len(titles) == 2 and all(NAME in title for title in titles)

    # Day 60: its last day, still listed; day 61: gone from the page.
    clock.set(day(60))
    assert NAME in engaged_section(page_text(client))
    clock.set(day(61))
    html = page_text(client)
    assert NAME not in engaged_section(html)
    assert NAME not in intended_section(html)
    assert NAME in html.split('id="history"')[1]  # the history keeps both notices


def test_a_planned_processor_is_in_no_public_output(client, demo, clock):
    clock.set(day(0))
    factories.ProcessorFactory(name="Secret Plans GmbH", status="planned")
    release = publish(note="With a planned processor")
    assert "Secret Plans GmbH" not in page_text(client)
    assert (
        "Secret Plans GmbH"
        not in client.get(f"/api/v1/releases/{release.number}.json").content.decode()
    )
    listed, intended = annex_parts(release)
    assert "Secret Plans GmbH" not in listed + intended


def test_polish_outputs_agree_on_the_dates(client, demo, clock):
    """The demo with an added and a removed processor, in Polish: page, Annex IV, JSON and
    feed give the same dates."""
    clock.set(day(0))
    publish(note="Agreed list")
    clock.set(day(2))
    factories.ProcessorFactory(name=NAME, status="active")
    leaving = Processor.objects.filter(status="active").exclude(name=NAME).first()
    leaving.status = "retired"
    leaving.active_until = day(20)
    leaving.save()
    release = publish(note="Replaces one", notice_days=30)
    added_on, removed_on = str(day(32)), str(day(21))

    html = page_text(client, "pl")
    assert f"na dzień {day(2)}" in html
    assert leaving.name in engaged_section(html)
    assert NAME not in engaged_section(html)
    for date in (added_on, removed_on, str(day(31))):
        assert date in intended_section(html)
    assert "s.r.o.." not in html  # "zastępując Smartlook.com, s.r.o." ends the sentence

    listed, intended = annex_parts(Release.objects.get(pk=release.pk), "pl")
    assert leaving.name in listed and NAME not in listed
    assert "przestanie przetwarzać dane osobowe" in intended  # the removal, in Polish
    for date in (added_on, removed_on, str(day(31))):
        assert date in intended

    payload = release_json(client, release.number)["subprocessors"]
    dates = {c["processor"]: c["takes_effect_on"] for c in payload["intended_changes"]}
    assert dates == {NAME: added_on, leaving.name: removed_on}

    summaries = " ".join(summary for _t, summary, _l in feed_entries(client, "pl"))
    for date in (added_on, removed_on, str(day(31))):
        assert date in summaries


def test_state_on_without_a_database():
    """The computation itself, on plain values."""
    row = {"name": "A", "status": "active"}
    added = subprocessors.Change("added", "A", day(0), day(30), 2)
    removed = subprocessors.Change("removed", "A", day(40), day(61), 3)
    assert subprocessors.state_on(row, [], day(0)) == subprocessors.ENGAGED  # agreed list
    assert subprocessors.state_on(row, [added], day(29)) == subprocessors.ANNOUNCED
    assert subprocessors.state_on(row, [added], day(30)) == subprocessors.ENGAGED
    assert subprocessors.state_on(row, [added, removed], day(39)) == subprocessors.ENGAGED
    assert subprocessors.state_on(row, [added, removed], day(60)) == subprocessors.LEAVING
    assert subprocessors.state_on(row, [added, removed], day(61)) == subprocessors.RETIRED
    assert subprocessors.state_on({"name": "B", "status": "planned"}, [], day(0)) == "planned"
