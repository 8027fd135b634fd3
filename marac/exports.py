"""The MARAC agenda for circulation (CSV and PDF) and the minutes (PDF), rendered from loaded rows.

Rendering only: these functions run no queries of their own, so the caller (a selector) loads what they
read. Agenda items need `referral__case__victim`, `referral__referring_agency` (select_related) and
`referral__case__children` (prefetch); incomplete actions need `agenda_item__referral__case` and
`assigned_agency`; attendance needs `agency`; minutes' actions need `assigned_agency`; the meeting needs
`area`.

The agenda goes to every member agency, so it carries references and minimal identifiers only: the
victim's initials and year of birth, never names, full dates of birth, addresses or safe contact details.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from marac.models import AgendaItem, Attendance, MaracAction, MaracMeeting

PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"
# The en dash between the parts of a title (written as an escape so it is not taken for a hyphen).
DASH = "\u2013"
CONFIDENTIALITY_STATEMENT = (
    "Information shared at this meeting is confidential. It is shared only to keep people safe, may be used "
    "only for that purpose, and may not be passed on without the agreement of the agency that shared it."
)
AGENDA_CSV_HEADER = (
    "section",
    "position",
    "case_reference",
    "victim_initials",
    "victim_year_of_birth",
    "has_children",
    "children",
    "repeat",
    "twelve_month_notice",
    "referring_agency",
    "action_agency",
    "action_description",
    "action_due_on",
    "action_status",
)

_MARGIN = 15 * mm
_CONTENT_WIDTH = A4[0] - 2 * _MARGIN


def initials(given: str, family: str) -> str:
    """The initials of a given and a family name, each followed by a full stop ("Ann", "Bell" -> "A.B.")."""
    letters = [next((char for char in name if char.isalpha()), "") for name in (given, family)]
    return "".join(f"{letter.upper()}." for letter in letters if letter)


def meeting_when(meeting: MaracMeeting) -> str:
    """The meeting's local start as people write it: "7 December 2026 10:00"."""
    starts = timezone.localtime(meeting.starts_at)
    return f"{starts.day} {starts:%B %Y %H:%M}"


def agenda_title(meeting: MaracMeeting) -> str:
    return f"{meeting.get_kind_display()} agenda {DASH} {meeting.area.name} {DASH} {meeting_when(meeting)}"


def minutes_title(meeting: MaracMeeting) -> str:
    return f"{meeting.get_kind_display()} minutes {DASH} {meeting.area.name} {DASH} {meeting_when(meeting)}"


@dataclass(frozen=True)
class _AgendaRow:
    """What the agenda may say about one item: references and minimal identifiers only."""

    position: int
    reference: str
    victim_initials: str
    victim_year_of_birth: str
    has_children: bool
    children: int
    repeat: bool
    twelve_month_notice: bool
    referring_agency: str


def _agenda_row(item: AgendaItem) -> _AgendaRow:
    case = item.referral.case
    victim = case.victim
    return _AgendaRow(
        position=item.position,
        reference=case.reference,
        victim_initials=initials(victim.given_name, victim.family_name),
        victim_year_of_birth=str(victim.date_of_birth.year) if victim.date_of_birth else "",
        has_children=item.has_children,
        # .all() reads the caller's prefetch; a count() would query.
        children=len(case.children.all()),
        repeat=item.is_repeat,
        twelve_month_notice=item.twelve_month_notice,
        referring_agency=item.referral.referring_agency.name,
    )


def _children_cell(row: _AgendaRow) -> str:
    """The children cell: "Yes (2)" with the number of children recorded, or just "Yes" / "No"."""
    if row.has_children and row.children:
        return f"Yes ({row.children})"
    return _yes_no(row.has_children).capitalize()


def _agenda_section(row: _AgendaRow) -> str:
    return "cases_with_children" if row.has_children else "adult_only_cases"


def _action_status(action: MaracAction, on: date) -> str:
    if action.status == MaracAction.Status.NOT_DONE:
        return f"Not done: {action.get_not_done_reason_display()}"
    if action.is_overdue(on):
        return "Overdue"
    return action.get_status_display()


def _csv_cell(value: object) -> object:
    """Free text that a spreadsheet would run as a formula (=, +, -, @, tab, return) is quoted with a leading
    apostrophe, so an opened agenda never executes what an agency typed (CSV injection)."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return f"'{value}"
    return value


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def agenda_csv(meeting: MaracMeeting, items: Iterable[AgendaItem], incomplete_actions: Iterable[MaracAction]) -> str:
    """The agenda as CSV: a header row, the incomplete actions from earlier meetings, then one row per item
    in the order given (position order), each labelled with its agenda section."""
    on = timezone.localdate(meeting.starts_at)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AGENDA_CSV_HEADER)
    for action in incomplete_actions:
        writer.writerow(
            _csv_cell(cell)
            for cell in [
                "incomplete_action",
                "",
                action.agenda_item.referral.case.reference,
                *[""] * 7,
                action.assigned_agency.name,
                action.description,
                action.due_on.isoformat(),
                _action_status(action, on),
            ]
        )
    for item in items:
        row = _agenda_row(item)
        writer.writerow(
            _csv_cell(cell)
            for cell in [
                _agenda_section(row),
                row.position,
                row.reference,
                row.victim_initials,
                row.victim_year_of_birth,
                _yes_no(row.has_children),
                row.children,
                _yes_no(row.repeat),
                _yes_no(row.twelve_month_notice),
                row.referring_agency,
                *[""] * 4,
            ]
        )
    return out.getvalue()


# PDF ------------------------------------------------------------------------------------------------


class _MarkedCanvas(Canvas):
    """A canvas that holds every page until the end, so that each can be marked "Page N of M" and
    OFFICIAL-SENSITIVE at top and bottom once the number of pages is known."""

    def __init__(self, *args: Any, partnership_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._partnership_name = partnership_name
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._mark(number, total)
            super().showPage()
        super().save()

    def _mark(self, number: int, total: int) -> None:
        width, height = self._pagesize
        self.saveState()
        self.setFont("Helvetica-Bold", 10)
        self.drawCentredString(width / 2, height - 10 * mm, PROTECTIVE_MARKING)
        self.drawCentredString(width / 2, 8 * mm, PROTECTIVE_MARKING)
        self.setFont("Helvetica", 8)
        self.drawString(_MARGIN, height - 10 * mm, _printable(self._partnership_name))
        self.drawRightString(width - _MARGIN, 8 * mm, f"Page {number} of {total}")
        self.restoreState()


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontSize=15, leading=19, alignment=0),
        "heading": ParagraphStyle("heading", parent=sheet["Heading2"], fontSize=12, leading=15, spaceBefore=8),
        "subheading": ParagraphStyle("subheading", parent=sheet["Heading3"], fontSize=10, leading=13),
        "body": ParagraphStyle("body", parent=sheet["BodyText"], fontSize=9, leading=11.5),
        "cell": ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=sheet["BodyText"], fontName="Helvetica-Bold", fontSize=8, leading=10),
    }


# Letters with no decomposition that the standard PDF fonts (Windows-1252) cannot show.
_FALLBACK_LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "\u0131": "i", "Ħ": "H", "ħ": "h"})


def _printable(text: str) -> str:
    """Text the standard PDF fonts can show: letters outside Windows-1252 lose their accents ("Żak" ->
    "Zak") rather than print as black boxes. The CSV keeps the original text."""
    shown = []
    for char in text.translate(_FALLBACK_LETTERS):
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            base = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
            try:
                base.encode("cp1252")
            except UnicodeEncodeError:
                base = "?"
            shown.append(base or "?")
        else:
            shown.append(char)
    return "".join(shown)


def _text(value: object) -> str:
    """Free text ready for a Paragraph (which reads markup): printable, escaped, keeping line breaks."""
    return escape(_printable(str(value))).replace("\n", "<br/>")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], widths_mm: Sequence[float]) -> Table:
    """A table that wraps its cells and repeats its header row on every page it spans."""
    styles = _styles()
    data = [[Paragraph(_text(cell), styles["head"]) for cell in header]]
    data += [[Paragraph(_text(cell), styles["cell"]) for cell in row] for row in rows]
    scale = _CONTENT_WIDTH / (sum(widths_mm) * mm)
    table = Table(data, colWidths=[width * mm * scale for width in widths_mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#777777")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _build_pdf(story: list[Flowable], *, title: str, partnership_name: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=18 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=partnership_name,
        subject=PROTECTIVE_MARKING,
        creator="dasv",
        # Same input, same bytes: no creation date or random document id in the file.
        invariant=1,
    )
    document.build(story, canvasmaker=partial(_MarkedCanvas, partnership_name=partnership_name))
    return buffer.getvalue()


def _none(text: str) -> Paragraph:
    return Paragraph(_text(text), _styles()["body"])


def _fmt_date(value: date | datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def agenda_pdf(
    meeting: MaracMeeting,
    items: Iterable[AgendaItem],
    incomplete_actions: Iterable[MaracAction],
    *,
    partnership_name: str,
) -> bytes:
    """The agenda for circulation as an A4 PDF, in the domain's order: incomplete actions from earlier
    meetings, the cases (with children first, as positioned), notice of cases 12 months since their last
    MARAC, any other business."""
    styles = _styles()
    title = agenda_title(meeting)
    on = timezone.localdate(meeting.starts_at)
    rows = [_agenda_row(item) for item in items]
    actions = list(incomplete_actions)
    story: list[Flowable] = [
        Paragraph(_text(title), styles["title"]),
        Paragraph(
            _text(f"{partnership_name}. For circulation to member agencies only: references and minimal identifiers."),
            styles["body"],
        ),
        Paragraph("1. Incomplete actions from earlier meetings", styles["heading"]),
    ]
    if actions:
        story.append(
            _table(
                ["Case reference", "Agency", "Action", "Due", "Status"],
                [
                    [
                        action.agenda_item.referral.case.reference,
                        action.assigned_agency.name,
                        action.description,
                        _fmt_date(action.due_on),
                        _action_status(action, on),
                    ]
                    for action in actions
                ],
                [32, 36, 68, 22, 22],
            )
        )
    else:
        story.append(_none("None."))
    story.append(Paragraph("2. Cases", styles["heading"]))
    if not rows:
        story.append(_none("No cases are listed."))
    # Consecutive runs keep the coordinator's order exactly while heading each run by its section.
    for run in _runs(rows):
        heading = "Cases with children" if run[0].has_children else "Adult-only cases"
        story.append(Paragraph(heading, styles["subheading"]))
        story.append(
            _table(
                [
                    "No.",
                    "Case reference",
                    "Victim",
                    "Year of birth",
                    "Children",
                    "Repeat",
                    "12-month notice",
                    "Referring agency",
                ],
                [
                    [
                        row.position,
                        row.reference,
                        row.victim_initials,
                        row.victim_year_of_birth or "Not known",
                        _children_cell(row),
                        _yes_no(row.repeat).capitalize(),
                        _yes_no(row.twelve_month_notice).capitalize(),
                        row.referring_agency,
                    ]
                    for row in run
                ],
                [10, 32, 16, 17, 18, 15, 20, 52],
            )
        )
    story.append(Paragraph("3. Notice: cases 12 months or more since their last MARAC", styles["heading"]))
    notices = [row for row in rows if row.twelve_month_notice]
    if notices:
        story.append(_table(["No.", "Case reference"], [[row.position, row.reference] for row in notices], [10, 170]))
    else:
        story.append(_none("None."))
    story += [Paragraph("4. Any other business", styles["heading"]), Spacer(1, 6 * mm)]
    return _build_pdf(story, title=title, partnership_name=partnership_name)


def _runs(rows: Sequence[_AgendaRow]) -> list[list[_AgendaRow]]:
    runs: list[list[_AgendaRow]] = []
    for row in rows:
        if runs and runs[-1][0].has_children == row.has_children:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _outcome(item: AgendaItem) -> str:
    if item.outcome == AgendaItem.Outcome.DEFERRED:
        return f"Deferred: {item.deferred_reason}"
    return item.get_outcome_display()


def minutes_pdf(
    meeting: MaracMeeting,
    items: Iterable[AgendaItem],
    attendance: Iterable[Attendance],
    actions_by_item: Mapping[int, Sequence[MaracAction]],
    *,
    partnership_name: str,
) -> bytes:
    """The minutes as an A4 PDF: attendance by agency, the confidentiality statement, and per item the
    discussion, the risk after discussion, the outcome and the actions agreed (`actions_by_item` is keyed
    by agenda item id)."""
    styles = _styles()
    title = minutes_title(meeting)
    if meeting.minutes_approved_at:
        approval = f"Minutes approved on {_fmt_date(timezone.localtime(meeting.minutes_approved_at))}."
    else:
        approval = "Draft: the minutes are not yet approved by the chair."
    story: list[Flowable] = [
        Paragraph(_text(title), styles["title"]),
        Paragraph(_text(f"{partnership_name}. {approval}"), styles["body"]),
        Paragraph("Attendance", styles["heading"]),
    ]
    by_status: dict[str, list[Attendance]] = {status: [] for status in Attendance.Status.values}
    for record in attendance:
        by_status[record.status].append(record)
    for status, label in Attendance.Status.choices:
        story.append(Paragraph(_text(label), styles["subheading"]))
        records = sorted(by_status[status], key=lambda record: record.agency.name)
        if records:
            story.append(
                _table(
                    ["Agency", "Representative"],
                    [[record.agency.name, record.representative] for record in records],
                    [100, 80],
                )
            )
        else:
            story.append(_none("None."))
    story.append(Paragraph("Confidentiality statement", styles["heading"]))
    story.append(_none(CONFIDENTIALITY_STATEMENT))
    confirmed = "Confirmed" if meeting.confidentiality_confirmed else "Not confirmed"
    story.append(Paragraph(f"<b>{confirmed}</b> by those present.", styles["body"]))
    story.append(Paragraph("Cases", styles["heading"]))
    items = list(items)
    if not items:
        story.append(_none("No cases were listed."))
    for item in items:
        story.append(Paragraph(_text(f"{item.position}. {item.referral.case.reference}"), styles["subheading"]))
        story.append(
            _table(
                ["Discussion", "Risk after discussion", "Outcome"],
                [
                    [
                        item.discussion_summary or "Not recorded.",
                        item.risk_after_discussion or "Not recorded.",
                        _outcome(item),
                    ]
                ],
                [110, 30, 40],
            )
        )
        actions = actions_by_item.get(item.pk, ())
        story.append(Spacer(1, 2 * mm))
        if actions:
            story.append(
                _table(
                    ["Agency", "Action", "Due"],
                    [[action.assigned_agency.name, action.description, _fmt_date(action.due_on)] for action in actions],
                    [45, 110, 25],
                )
            )
        else:
            story.append(_none("No actions agreed."))
    return _build_pdf(story, title=title, partnership_name=partnership_name)
