"""The MARAC agenda for circulation (CSV, PDF) and the minutes (PDF): minimal identifiers, marking, paging."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from agencies.models import Agency, User
from cases.models import Person
from cases.services import safe_contact_save
from marac.exports import AGENDA_CSV_HEADER, agenda_csv, agenda_pdf, initials, minutes_pdf
from marac.models import AgendaItem, Attendance, MaracAction, MaracMeeting
from tests.factories.agencies import AgencyFactory, AreaFactory
from tests.factories.cases import PersonFactory, case_worker, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
PARTNERSHIP = "Testshire Domestic Abuse Partnership"
SAFE_ADDRESS = "17 Larkspur Mews, Quillbury QB9 4ZX"
SAFE_PHONE = "07700 900461"
DO_NOT_CONTACT = "Never call at the Orchard Lane workplace"


@pytest.fixture
def meeting() -> MaracMeeting:
    return MaracMeeting.objects.create(
        area=AreaFactory(name="Quillshire"), starts_at=datetime(2026, 12, 7, 10, 0, tzinfo=LONDON), capacity=80
    )


@pytest.fixture
def police() -> User:
    """A police officer who refers the cases to MARAC (and may see their safe contact details)."""
    return case_worker()


def listed(
    meeting: MaracMeeting,
    position: int,
    referrer: User,
    *,
    victim: Person | None = None,
    children: Sequence[int] = (),
    **flags: bool,
) -> AgendaItem:
    """A police MARAC referral's case listed at `position` on the meeting's agenda."""
    case = make_case(referrer, victim=victim, children=children)
    referral = police_referral(service="marac", referrer=referrer, case=case)
    return AgendaItem.objects.create(
        meeting=meeting, referral=referral, position=position, has_children=bool(children), **flags
    )


def loaded_items(meeting: MaracMeeting) -> list[AgendaItem]:
    """The agenda items loaded as the exports expect (what a selector would do)."""
    return list(
        meeting.agenda_items.select_related("referral__case__victim", "referral__referring_agency")
        .prefetch_related("referral__case__children")
        .order_by("position")
    )


def loaded_meeting(meeting: MaracMeeting) -> MaracMeeting:
    return MaracMeeting.objects.select_related("area").get(pk=meeting.pk)


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    """All the PDF's text, with wrapped lines joined by single spaces."""
    return " ".join(" ".join(pdf_pages(pdf)).split())


@pytest.fixture
def agenda(meeting, police) -> dict[str, object]:
    """A meeting with an adult-only case, a case with two children (listed first), a repeat on notice,
    an incomplete action from an earlier meeting, and a victim with safe contact details on record."""
    victim = PersonFactory(given_name="Rosamund", family_name="Quenby-Thriplow", date_of_birth=date(1987, 3, 14))
    with_children = listed(meeting, 1, police, victim=victim, children=[4, 9])
    safe_contact_save(
        actor=police,
        case=with_children.referral.case,
        data={"safe_address": SAFE_ADDRESS, "safe_phone": SAFE_PHONE, "do_not_contact": DO_NOT_CONTACT},
    )
    adult_only = listed(meeting, 2, police)
    on_notice = listed(meeting, 3, police, is_repeat=True, twelve_month_notice=True)
    earlier = MaracMeeting.objects.create(
        area=meeting.area, starts_at=datetime(2026, 11, 2, 10, 0, tzinfo=LONDON), capacity=10
    )
    earlier_item = listed(earlier, 1, police)
    MaracAction.objects.create(
        agenda_item=earlier_item,
        description="Flag the address for an urgent police response",
        assigned_agency=police.agency,
        due_on=date(2026, 11, 16),
    )
    incomplete = list(MaracAction.objects.select_related("agenda_item__referral__case", "assigned_agency"))
    return {
        "meeting": loaded_meeting(meeting),
        "items": loaded_items(meeting),
        "incomplete": incomplete,
        "victim": victim,
        "references": [item.referral.case.reference for item in (with_children, adult_only, on_notice)],
        "earlier_reference": earlier_item.referral.case.reference,
        "referring_agency": police.agency.name,
    }


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("Ann", "Bell", "A.B."),
        ("ann-marie", "o'neill", "A.O."),
        ("Łucja", "Żak", "Ł.Ż."),
        ("", "Bell", "B."),
        (" 'Jo", "", "J."),
    ],
)
def test_initials_take_the_first_letter_of_each_name(given, family, expected):
    """Initials are the first letter of the given and family names, capitalised, each with a full stop."""
    assert initials(given, family) == expected


def test_agenda_csv_has_the_header_then_incomplete_actions_then_items_in_position_order(agenda):
    """The CSV starts with its header, lists incomplete actions first, then one row per item by position."""
    rows = list(csv.reader(io.StringIO(agenda_csv(agenda["meeting"], agenda["items"], agenda["incomplete"]))))

    assert tuple(rows[0]) == AGENDA_CSV_HEADER
    records = [dict(zip(AGENDA_CSV_HEADER, row, strict=True)) for row in rows[1:]]
    assert [record["section"] for record in records] == [
        "incomplete_action",
        "cases_with_children",
        "adult_only_cases",
        "adult_only_cases",
    ]
    action, first, second, third = records
    assert action["case_reference"] == agenda["earlier_reference"]
    assert action["action_description"] == "Flag the address for an urgent police response"
    assert action["action_due_on"] == "2026-11-16"
    assert action["action_status"] == "Overdue"
    assert [record["position"] for record in (first, second, third)] == ["1", "2", "3"]
    assert [record["case_reference"] for record in (first, second, third)] == agenda["references"]
    assert first["victim_initials"] == "R.Q."
    assert first["victim_year_of_birth"] == "1987"
    assert (first["has_children"], first["children"]) == ("yes", "2")
    assert (second["has_children"], second["children"]) == ("no", "0")
    assert (third["repeat"], third["twelve_month_notice"]) == ("yes", "yes")
    assert first["referring_agency"] == agenda["referring_agency"]


def test_agenda_csv_quotes_text_a_spreadsheet_would_run_as_a_formula(agenda):
    """An action typed as a formula is written with a leading apostrophe, so a spreadsheet shows it as text."""
    action = agenda["incomplete"][0]
    action.description = '=HYPERLINK("http://example.invalid","click")'

    rows = list(csv.reader(io.StringIO(agenda_csv(agenda["meeting"], agenda["items"], [action]))))

    assert rows[1][AGENDA_CSV_HEADER.index("action_description")] == '\'=HYPERLINK("http://example.invalid","click")'


def assert_minimal_identifiers_only(text: str, victim: Person) -> None:
    for secret in (
        victim.given_name,
        victim.family_name,
        "Quenby",
        "1987-03-14",
        "14/03/1987",
        "14 March 1987",
        SAFE_ADDRESS,
        "Larkspur",
        SAFE_PHONE,
        "900461",
        "Orchard Lane",
    ):
        assert secret not in text


def test_agenda_csv_never_carries_names_dates_of_birth_or_safe_contact_details(agenda):
    """The circulated CSV has no victim name, full date of birth, safe address, safe phone or contact notes."""
    text = agenda_csv(agenda["meeting"], agenda["items"], agenda["incomplete"])

    assert_minimal_identifiers_only(text, agenda["victim"])


def test_agenda_pdf_has_title_marking_references_and_page_numbers(agenda):
    """The agenda PDF is a PDF with the title, the protective marking, every reference and page numbers."""
    pdf = agenda_pdf(agenda["meeting"], agenda["items"], agenda["incomplete"], partnership_name=PARTNERSHIP)

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "MARAC agenda \u2013 Quillshire \u2013 7 December 2026 10:00" in text
    assert text.count("OFFICIAL-SENSITIVE") >= 2
    assert "Page 1 of 1" in text
    for reference in [*agenda["references"], agenda["earlier_reference"]]:
        assert reference in text
    assert "Flag the address for an urgent police response" in text
    assert "Cases with children" in text
    assert "Adult-only cases" in text
    assert "R.Q." in text
    assert "Yes (2)" in text
    assert "Any other business" in text
    assert text.index("Incomplete actions") < text.index("Cases with children") < text.index("Adult-only cases")
    assert text.index("Adult-only cases") < text.index("Notice") < text.index("Any other business")


def test_agenda_pdf_never_carries_names_dates_of_birth_or_safe_contact_details(agenda):
    """The circulated PDF has no victim name, full date of birth, safe address, safe phone or contact notes."""
    pdf = agenda_pdf(agenda["meeting"], agenda["items"], agenda["incomplete"], partnership_name=PARTNERSHIP)

    assert_minimal_identifiers_only(pdf_text(pdf), agenda["victim"])
    assert SAFE_ADDRESS.encode() not in pdf
    assert SAFE_PHONE.encode() not in pdf


def test_exports_run_no_queries_of_their_own(agenda, django_assert_num_queries):
    """Given loaded rows, rendering the agenda (CSV and PDF) touches the database not at all."""
    with django_assert_num_queries(0):
        agenda_csv(agenda["meeting"], agenda["items"], agenda["incomplete"])
        agenda_pdf(agenda["meeting"], agenda["items"], agenda["incomplete"], partnership_name=PARTNERSHIP)


def test_the_same_agenda_gives_the_same_bytes_at_any_time(agenda):
    """Rendering is reproducible: the same input gives byte-identical PDFs, whenever it is rendered."""
    args = (agenda["meeting"], agenda["items"], agenda["incomplete"])
    first = agenda_pdf(*args, partnership_name=PARTNERSHIP)
    with time_machine.travel(datetime(2030, 6, 1, 12, 0, tzinfo=LONDON)):
        second = agenda_pdf(*args, partnership_name=PARTNERSHIP)

    assert first == second


def test_a_long_agenda_spans_pages_with_the_table_header_on_each(meeting, police):
    """Sixty items run over several pages; every page with cases repeats the header row and is numbered."""
    items = [listed(meeting, position, police, children=[6] if position <= 20 else ()) for position in range(1, 61)]
    references = [item.referral.case.reference for item in items]

    pdf = agenda_pdf(loaded_meeting(meeting), loaded_items(meeting), [], partnership_name=PARTNERSHIP)

    pages = pdf_pages(pdf)
    assert len(pages) > 1
    text = "\n".join(pages)
    assert all(reference in text for reference in references)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert page.count("OFFICIAL-SENSITIVE") == 2
        if any(reference in page for reference in references):
            assert "Referring agency" in page
    assert sum("Referring agency" in page for page in pages) > 1


@pytest.fixture
def minuted(meeting, police) -> dict[str, object]:
    """A held meeting: attendance of three agencies, confidentiality confirmed, one item heard with two
    actions and one deferred."""
    heard = listed(meeting, 1, police, children=[3])
    heard.outcome = AgendaItem.Outcome.HEARD
    heard.discussion_summary = "Perpetrator released on bail; victim supported by the IDVA."
    heard.risk_after_discussion = "high"
    heard.save()
    deferred = listed(meeting, 2, police)
    deferred.outcome = AgendaItem.Outcome.DEFERRED
    deferred.deferred_reason = "Research from health not yet received"
    deferred.save()
    housing = AgencyFactory(name="Quillshire Housing", kind=Agency.Kind.HOUSING)
    health = AgencyFactory(name="Quillshire Health", kind=Agency.Kind.HEALTH)
    probation = AgencyFactory(name="Quillshire Probation", kind=Agency.Kind.PROBATION)
    Attendance.objects.create(meeting=meeting, agency=housing, status="present", representative="Priya Holt")
    Attendance.objects.create(meeting=meeting, agency=health, status="apologies")
    Attendance.objects.create(meeting=meeting, agency=probation, status="absent")
    MaracAction.objects.create(
        agenda_item=heard, description="Fit a target-hardening kit", assigned_agency=housing, due_on=date(2026, 12, 21)
    )
    MaracAction.objects.create(
        agenda_item=heard, description="Share bail conditions", assigned_agency=police.agency, due_on=date(2026, 12, 9)
    )
    meeting.status = MaracMeeting.Status.HELD
    meeting.confidentiality_confirmed = True
    meeting.save()
    actions: dict[int, list[MaracAction]] = {}
    for action in MaracAction.objects.select_related("assigned_agency").filter(agenda_item__meeting=meeting):
        actions.setdefault(action.agenda_item_id, []).append(action)
    return {
        "meeting": loaded_meeting(meeting),
        "items": loaded_items(meeting),
        "attendance": list(meeting.attendance.select_related("agency")),
        "actions": actions,
        "references": [heard.referral.case.reference, deferred.referral.case.reference],
    }


def test_minutes_pdf_records_attendance_confidentiality_outcomes_and_actions(minuted):
    """The minutes list attendance by agency, the confidentiality statement, each item's outcome and actions."""
    pdf = minutes_pdf(
        minuted["meeting"], minuted["items"], minuted["attendance"], minuted["actions"], partnership_name=PARTNERSHIP
    )

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "MARAC minutes \u2013 Quillshire \u2013 7 December 2026 10:00" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "Page 1 of" in text
    for heading in ("Present", "Apologies", "Absent"):
        assert heading in text
    assert text.index("Quillshire Housing") < text.index("Quillshire Health") < text.index("Quillshire Probation")
    assert "Priya Holt" in text
    assert "Confirmed" in text
    assert "Not confirmed" not in text
    for reference in minuted["references"]:
        assert reference in text
    assert "Perpetrator released on bail" in text
    assert "high" in text
    assert "Deferred: Research from health not yet received" in text
    assert "Fit a target-hardening kit" in text
    assert "21 December 2026" in text
    assert "Share bail conditions" in text
    assert "Draft" in text


def test_minutes_say_when_confidentiality_was_not_confirmed(minuted):
    """A meeting whose confidentiality statement was not confirmed says so in its minutes."""
    meeting = minuted["meeting"]
    meeting.confidentiality_confirmed = False

    text = pdf_text(minutes_pdf(meeting, minuted["items"], minuted["attendance"], {}, partnership_name=PARTNERSHIP))

    assert "Not confirmed" in text
    assert "No actions agreed." in text


def test_the_same_minutes_give_the_same_bytes(minuted):
    """The minutes PDF is reproducible byte for byte."""
    args = (minuted["meeting"], minuted["items"], minuted["attendance"], minuted["actions"])

    assert minutes_pdf(*args, partnership_name=PARTNERSHIP) == minutes_pdf(*args, partnership_name=PARTNERSHIP)


def test_pdf_text_is_escaped_and_letters_outside_the_font_degrade_gracefully(minuted):
    """Markup-like text prints literally, and letters the standard fonts lack lose only their accents."""
    item = minuted["items"][0]
    item.discussion_summary = "Risk <b>rose</b> & fell; Łucja Żak's report"

    text = pdf_text(
        minutes_pdf(minuted["meeting"], [item], minuted["attendance"], {}, partnership_name="Łódź Partnership")
    )

    assert "Risk <b>rose</b> & fell; Lucja Zak's report" in text
    assert "Lódz Partnership" in text
