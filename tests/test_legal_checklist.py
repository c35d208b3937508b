"""A lawyer's checklist over the demo release, in every language (../shared/legal-reference.md:
the DPA annexes of Decision (EU) 2021/915, the Art. 30 records, the Art. 13 notice).

Every item is present, or deliberately marked: "not applicable" with the reason, or "to be
completed" where the register (the demo: the seed page) does not state it. Nothing is a silent
dash, and the annexes and the sub-processor page word the authorisation of sub-processors the same
way, from the organisation's one setting."""

import html
import io
import re

import pypdf
import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from compliance import documents, models
from compliance.health import build_report
from compliance.localize import localize
from compliance.models import LegalBasis, MeasureHeading, ProcessingRole
from compliance.releases import publish

LANGUAGES = ["en", "pl", "cs", "de"]


def fold(text):
    return " ".join(text.split())


def squash(text):
    """Without white space: PDF text extraction breaks lines anywhere and spaces kerned pairs
    ("T o be completed"), so texts are compared without it."""
    return re.sub(r"\s+", "", text)


class Text(str):
    """An output's text; `value in text` ignores white space."""

    def __contains__(self, value):
        return squash(value) in squash(str(self))

    def count(self, value):
        return squash(str(self)).count(squash(value))


def after(text, heading):
    """What `text` says after the last mention of `heading` (its heading, not the contents)."""
    squashed = squash(str(text))
    return Text(squashed[squashed.rindex(squash(heading)) :])


def pdf_text(pdf):
    # Each page's last two lines are the running footer (title, release, page number): left
    # out, so that a sentence running over a page break reads whole.
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    return Text(" ".join("\n".join(page.splitlines()[:-2]) for page in pages))


def page_text(client, language, page):
    response = client.get(f"/{language}/{page}/")
    assert response.status_code == 200
    body = response.content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    return Text(fold(html.unescape(re.sub(r"<[^>]+>", " ", main))))


def marker():
    return gettext("To be completed: not yet stated in the register.")


def authorisation_sentence(register):
    return fold(
        html.unescape(
            render_to_string(
                "compliance/shared/authorisation.html", {"organisation": register.organisation}
            )
        )
    )


@pytest.fixture
def demo_release(demo):
    return publish(note="Demo")


def outputs(client, release, language):
    with translation.override(language):
        return {
            "annex": pdf_text(documents.release_document(release, "annex", language)),
            "summary": pdf_text(documents.release_document(release, "summary", language)),
            "privacy": page_text(client, language, "privacy"),
            "subprocessors": page_text(client, language, "subprocessors"),
        }


@pytest.mark.parametrize("language", LANGUAGES)
def test_demo_release_meets_the_checklist(client, demo_release, language):
    texts = outputs(client, demo_release, language)
    register = localize(demo_release.snapshot, language)
    org = register.organisation
    with translation.override(language):
        annex, summary = texts["annex"], texts["summary"]

        # Nothing is a silent dash.
        for name, text in texts.items():
            assert not re.search(r"(^|\s)—(\s|$)", str(text)), name

        # The Clauses: named, not reproduced, where they are, the options chosen.
        for fragment in ("2021/915", "2016/679", "L 199", "32021D0915"):
            assert fragment in annex
        assert gettext("Options chosen") in annex
        assert gettext("Not included.") in annex  # the demo's docking clause
        sentence = authorisation_sentence(register)
        assert str(org["notice_days"]) in sentence
        # One wording, from one setting: the annexes (Clauses and Annex IV) and the page.
        assert annex.count(sentence) == 2
        assert sentence in texts["subprocessors"]

        # Annex I: the processor's name, address, contact person and DPO.
        assert org["legal_name"] in annex
        assert org["address"].split("\n")[0] in annex
        for contact in register.contacts:
            assert contact["email"] in annex
        assert register.dpo and register.dpo[0]["name"] in annex

        # Annex II items 1 to 7, each from the register.
        for category in register.data_subject_categories:
            assert category["name"] in annex
        for category in register.data_categories:
            assert category["name"] in annex
        assert (
            gettext(
                "Not applicable: no special categories of personal data (Art. 9 and 10 GDPR) are "
                "processed."
            )
            in annex
        )
        assert org["nature"] and org["nature"] in annex
        assert org["subject_matter"] and org["subject_matter"] in annex
        for purpose in register.processor_purposes:
            assert purpose["name"] in annex
        assert org["duration"] and org["duration"] in annex
        for processor in register.all_processors:
            assert processor["description"] in annex
        assert (
            gettext(
                "Duration: for as long as it is engaged, at most for the duration of the "
                "processing stated in item 6."
            )
            in annex
        )

        # Annex III: every heading, with its measures, a reason it does not apply, or flagged.
        headings = register.annex_headings
        assert len(headings) == len(MeasureHeading.choices) == 17
        flagged = gettext(
            "To be completed: no measure is described under this heading, nor why it does not "
            "apply."
        )
        for entry in headings:
            assert entry["heading"] in annex
            for measure in entry["measures"]:
                assert measure["description"] in annex
        empty = [e for e in headings if not e["measures"] and not e["not_applicable"]]
        assert annex.count(flagged) == len(empty)
        assert summary.count(flagged) == len(empty)
        for measure in register.assistance_measures:
            assert measure["description"] in annex
        assert gettext("Measures of the sub-processors") in annex

        # Annex IV: each sub-processor's name, address, contact, description and delimitation;
        # what the seed does not state (Smartlook's address, contact and measures) is flagged.
        for processor in register.all_processors:
            assert processor["name"] in annex
            assert processor["responsibilities"] in annex
        assert marker() in annex

        # Art. 30(2): the processor, the controllers it acts for, the categories of processing,
        # transfers and measures; Art. 30(1) marked not applicable (the seed states none).
        assert org["controllers_description"] in summary
        for processor in register.all_processors:
            assert processor["name"] in summary
        assert (
            gettext(
                "Not applicable: the register records no processing by %(name)s as a controller."
            )
            % {"name": org["legal_name"]}
            in summary
        )
        assert org["supervisory_authority"] in summary

        # The privacy page keeps the two roles apart and marks the empty one.
        privacy = texts["privacy"]
        assert gettext("Processing on behalf of our customers") in privacy
        for purpose in register.processor_purposes:
            assert purpose["name"] in privacy
        for processor in register.all_processors:  # recipients and transfers
            assert f"{processor['name']}: {processor['locations'][0]}" in privacy
            assert processor["safeguard"] in privacy
        assert (
            gettext(
                "Not applicable: the register records no processing by %(name)s as a controller."
            )
            % {"name": org["legal_name"]}
            in privacy
        )


def test_the_demo_flags_exactly_what_the_seed_does_not_state(demo_release):
    """The health report names what the annexes flag: the empty Annex III headings and the
    sub-processor whose measures are unknown; nothing invented fills them."""
    findings = {check.code for check in build_report().problems}
    assert "annex_iii_heading_empty" in findings
    assert "processor_measures_missing" in findings
    assert "controller_notice_incomplete" not in findings
    assert "annex_field_blank" in findings  # Smartlook's address and contact: not in the seed


def add_own_processing(demo):
    """A controller purpose with every Art. 13 item, as a register that is both would have."""
    purpose = models.Purpose.objects.create(
        slug="newsletter",
        role=ProcessingRole.CONTROLLER,
        legal_basis=LegalBasis.CONSENT,
        consent_required=True,
        name_en="Newsletter",
        description_en="A monthly e-mail about the service.",
        retention_en="Until the subscriber unsubscribes.",
        recipients_en="Our e-mail delivery provider.",
        provision_requirement_en="Not required; without it no newsletter is sent.",
        automated_decisions_en="None.",
    )
    purpose.data_categories.set(models.DataCategory.objects.filter(slug="contact-data"))
    purpose.data_subject_categories.set(models.DataSubjectCategory.objects.all())
    models.Processor.objects.get(name="Smartlook.com, s.r.o.").purposes.add(purpose)
    return purpose


@pytest.mark.parametrize("language", LANGUAGES)
def test_own_processing_gives_every_article_13_item(client, demo, language):
    add_own_processing(demo)
    release = publish(note="Newsletter")
    texts = outputs(client, release, language)
    register = localize(release.snapshot, language)
    org = register.organisation
    (purpose,) = register.controller_purposes
    with translation.override(language):
        privacy, summary = texts["privacy"], texts["summary"]
        # Art. 13(1)(a) and (b): identity, contact details, DPO.
        assert org["legal_name"] in privacy
        assert register.dpo[0]["email"] in privacy
        # 13(1)(c) to (f), 13(2)(a), (e), (f), 14(1)(d) and 14(2)(f).
        for label, value in [
            ("Legal basis", purpose["legal_basis"]),
            ("Categories of personal data", purpose["data_categories"][0]),
            ("Source of the data", purpose["sources"][0]),
            ("Recipients or categories of recipients", purpose["recipients"]),
            ("Transfers to third countries", purpose["processors"][0]["safeguard"]),
            ("Storage period or the criteria used to determine it", purpose["retention"]),
            ("Whether you must provide the data", purpose["provision_requirement"]),
            ("Automated decision-making, including profiling", purpose["automated_decisions"]),
        ]:
            assert gettext(label) in privacy, label
            assert value and value in privacy, label
        # 13(2)(b) to (d): the rights, withdrawal of consent, the complaint and the authority.
        section = after(privacy, gettext("Our own processing as controller"))
        for sentence in (
            "You have the right to lodge a complaint with a supervisory authority, in particular "
            "in the Member State of your habitual residence, place of work or place of the "
            "alleged infringement (Art. 77 GDPR).",
            "Where the processing is based on consent, you may withdraw your consent at any "
            "time, without affecting the lawfulness of processing based on consent before its "
            "withdrawal (Art. 7(3) GDPR).",
        ):
            assert gettext(sentence) in section
        assert org["supervisory_authority"] in section
        # The DPA describes only the processing on customers' behalf; the Art. 30(1) record has
        # the own processing.
        assert purpose["name"] not in texts["annex"]
        record = after(
            summary,
            "3. " + gettext("Record of processing activities as controller (Art. 30(1) GDPR)"),
        )
        assert purpose["name"] in record and purpose["retention"] in record


def test_a_controller_only_register_shows_only_its_part(client, demo):
    models.Purpose.objects.update(role=ProcessingRole.CONTROLLER)
    release = publish(note="Controller only")
    with translation.override("en"):
        texts = outputs(client, release, "en")
    assert (
        "Not applicable: the register records no processing that Smartsupp.com, s.r.o. "
        "carries out on behalf of customers." in texts["privacy"]
    )
    assert "Our own processing as controller" in texts["privacy"]
    assert "Not applicable: the register records no processing that" in texts["summary"]


def test_a_release_may_give_more_notice_never_less(demo):
    organisation = models.Organisation.objects.get()
    organisation.subprocessor_notice_days = 45
    organisation.save()
    from compliance.releases import PublishRefused

    with pytest.raises(PublishRefused) as refused:
        publish(note="Too short", notice_days=30)
    assert "45 days" in str(refused.value.reasons)
    assert publish(note="Longer", notice_days=60).number == 1


def test_specific_authorisation_is_worded_the_same_in_annex_and_page(client, demo):
    organisation = models.Organisation.objects.get()
    organisation.subprocessor_authorisation = models.SubprocessorAuthorisation.SPECIFIC
    organisation.subprocessor_notice_days = 14
    organisation.docking_clause = True
    organisation.save()
    release = publish(note="Option 1")
    for language in LANGUAGES:
        texts = outputs(client, release, language)
        register = localize(release.snapshot, language)
        with translation.override(language):
            sentence = authorisation_sentence(register)
            assert "14" in sentence
            assert sentence in texts["subprocessors"]
            assert texts["annex"].count(sentence) == 2
            assert (
                gettext("The controller has authorised the use of the following sub-processors:")
                in texts["annex"]
            )
            assert (
                gettext(
                    "Included: further controllers or processors may accede to the Clauses by "
                    "completing the Annexes and signing Annex I."
                )
                in texts["annex"]
            )


def test_a_release_before_the_options_were_recorded_says_so(demo):
    """A release of snapshot version 4 has no options of the Clauses, no roles and no "not
    applicable": its documents say the options were not recorded, and read its purposes as
    processed on customers' behalf, as they were then."""
    from compliance.snapshot import build_snapshot

    snapshot = build_snapshot()
    snapshot["schema_version"] = 4
    for name in ("subprocessor_authorisation", "subprocessor_notice_days", "docking_clause"):
        snapshot["organisation"].pop(name)
    snapshot["organisation"].pop("controllers_description")
    for purpose in snapshot["purposes"]:
        for name in ("role", "recipients", "provision_requirement", "automated_decisions"):
            purpose.pop(name)
    for measure in snapshot["technical_measures"]:
        measure.pop("not_applicable")
        measure.pop("processor")
    with translation.override("en"):
        annex = pdf_text(documents.render("annex", "en", snapshot))
        assert "Not recorded in this release." in annex
        assert (
            "This release was published before the register recorded how sub-processors are "
            "authorised (Clause 7.7(a)): see the data-processing agreement." in annex
        )
        assert "Basic chat" in annex  # Annex II item 5: processed on customers' behalf


def test_a_measure_not_applicable_cannot_assist_the_controller(db):
    from django.core.exceptions import ValidationError

    measure = models.TechnicalMeasure(
        slug="no-physical",
        heading=MeasureHeading.PHYSICAL,
        description_en="Not applicable: no premises; all processing runs at the sub-processor.",
        not_applicable=True,
        assists_controller=True,
    )
    with pytest.raises(ValidationError) as refused:
        measure.full_clean()
    assert "assists_controller" in refused.value.message_dict
    measure.assists_controller = False
    measure.full_clean()


def test_the_privacy_page_names_only_the_recipients_engaged_on_the_release_date(client, demo):
    """An announced sub-processor is a recipient from the day it takes effect, not before: the
    privacy page lists those engaged on the release's effective date, as the summary does."""
    publish(note="Agreed list")
    models.Processor.objects.create(
        name="Announced Mailer GmbH", country="DE", status=models.ProcessorStatus.ACTIVE
    )
    publish(note="Adds a mailer", notice_days=30)
    privacy = page_text(client, "en", "privacy")
    assert "Smartlook.com, s.r.o.: Czechia" in privacy
    assert "Announced Mailer GmbH" not in privacy
    assert "Announced Mailer GmbH" in page_text(client, "en", "subprocessors")  # intended
