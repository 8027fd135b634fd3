"""The SafeLives return computed in SQL by reporting.figures equals marac.returns' Python count, on cases
with the age boundaries (16th and 18th birthdays on the meeting day, 29 February births, unknown dates),
meetings just after midnight in British Summer Time, and every victim characteristic."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agencies.models import Agency, Area
from cases.models import Gender, Person
from marac.models import AgendaItem, MaracMeeting, MeetingKind
from marac.returns import safelives_return_for
from referrals.models import Referral
from reporting.figures import safelives_document, safelives_figures
from reporting.rules import financial_quarter
from tests.factories.agencies import AgencyFactory, AreaFactory
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

LONDON = ZoneInfo("Europe/London")
# 2025-26 Q4: January to March 2026, a common year (no 29 February), British Summer Time from 29 March.
QUARTER = financial_quarter(2025, 4)


def meeting(area: Area, day: date, *, hour: int = 10, minute: int = 0, **kwargs: Any) -> MaracMeeting:
    """A held MARAC meeting of the area at the local time given."""
    return MaracMeeting.objects.create(
        area=area,
        kind=kwargs.pop("kind", MeetingKind.MARAC),
        starts_at=datetime.combine(day, time(hour, minute), tzinfo=LONDON),
        capacity=50,
        status=kwargs.pop("status", MaracMeeting.Status.HELD),
        **kwargs,
    )


def hear(on: MaracMeeting, referral: Referral, *, outcome: str = AgendaItem.Outcome.HEARD, **kwargs) -> AgendaItem:
    position = on.agenda_items.count() + 1
    return AgendaItem.objects.create(meeting=on, referral=referral, position=position, outcome=outcome, **kwargs)


def marac_case(
    area: Area,
    *,
    kind: str = Agency.Kind.POLICE,
    victim: dict[str, Any] | None = None,
    perpetrators_born: tuple[date | None, ...] = (date(1980, 1, 1),),
    children: tuple[int, ...] = (),
) -> Referral:
    """A MARAC referral by a new agency of `kind` for a new case of the area."""
    agency = idva_service() if kind == Agency.Kind.IDVA_SERVICE else AgencyFactory(kind=kind, areas=[area])
    referrer = case_worker(agency)
    victim_person = PersonFactory(**{"date_of_birth": date(1990, 5, 1), **(victim or {})})
    perpetrators = [PersonFactory(gender=Gender.MALE, date_of_birth=born) for born in perpetrators_born]
    case = make_case(referrer, victim=victim_person, perpetrators=perpetrators, children=children, area=area)
    return police_referral(referrer=referrer, case=case, service=Referral.Service.MARAC, received_on=date(2026, 1, 2))


def sql_equals_python(area: Area | None, *, first: date = QUARTER.start, last: date = QUARTER.end) -> dict:
    """The SQL figures, asserted equal to marac.returns' for the same area and days."""
    area_ids = None
    if area is not None:
        from marac.returns import area_with_descendants

        area_ids = area_with_descendants(area=area)
    sql = safelives_figures(first=first, last=last, area_ids=area_ids)
    if area is not None:
        python = asdict(safelives_return_for(area=area, first=first, last=last))
        python["referrals_by_agency_kind"] = dict(python["referrals_by_agency_kind"])
        assert sql == python
    return sql


# (victim born, meeting day, counted as aged 16-17): both sides of the 16th and 18th birthdays, 29 February.
VICTIM_AGES = [
    (date(2010, 2, 11), date(2026, 2, 10), False),  # 15: 16 tomorrow
    (date(2010, 2, 10), date(2026, 2, 10), True),  # 16 today
    (date(2008, 2, 11), date(2026, 2, 10), True),  # 17: 18 tomorrow
    (date(2008, 2, 10), date(2026, 2, 10), False),  # 18 today
    (date(2008, 2, 29), date(2026, 2, 28), True),  # born 29 February: still 17 on 28 February 2026
    (date(2008, 2, 29), date(2026, 3, 1), False),  # and 18 on 1 March
    (date(2010, 2, 28), date(2026, 2, 28), True),  # 16 today
    (date(2010, 3, 1), date(2026, 2, 28), False),  # 16 tomorrow
    (None, date(2026, 2, 10), False),  # not known
]


@pytest.mark.parametrize(("born", "day", "counted"), VICTIM_AGES)
def test_victim_age_on_the_meeting_day(db, born, day, counted):
    """A victim counts as aged 16-17 from their 16th birthday to the day before their 18th, on the
    meeting's day, in SQL as in Python; an unknown birth date counts in no age group."""
    area = AreaFactory()
    hear(meeting(area, day), marac_case(area, victim={"date_of_birth": born}))
    assert sql_equals_python(area)["victims_aged_16_17"] == int(counted)


# (perpetrators born, meeting day, counted): one case counts once however many perpetrators are young.
PERPETRATOR_AGES = [
    ((date(2008, 2, 11),), date(2026, 2, 10), True),  # 17: 18 tomorrow
    ((date(2008, 2, 10),), date(2026, 2, 10), False),  # 18 today
    ((date(2008, 2, 29),), date(2026, 2, 28), True),  # 17 until 1 March
    ((date(2008, 2, 29),), date(2026, 3, 1), False),
    ((None,), date(2026, 2, 10), False),  # not known
    ((), date(2026, 2, 10), False),  # no perpetrator recorded
    ((date(1980, 1, 1), None, date(2012, 6, 1), date(2011, 1, 1)), date(2026, 2, 10), True),  # counted once
]


@pytest.mark.parametrize(("born", "day", "counted"), PERPETRATOR_AGES)
def test_perpetrator_age_on_the_meeting_day(db, born, day, counted):
    """A case counts once among those with a perpetrator aged 17 or under on the meeting day."""
    area = AreaFactory()
    referral = marac_case(area, perpetrators_born=born)
    if not born:
        referral.case.parties.all().delete()
    hear(meeting(area, day), referral)
    assert sql_equals_python(area)["cases_with_perpetrator_aged_17_or_under"] == int(counted)


def test_the_meeting_day_is_the_local_day(db):
    """A meeting at 00:30 on 31 March 2026 (British Summer Time: 23:30 UTC on the 30th) is heard on the
    31st: a victim whose 18th birthday is the 31st is no longer counted, and the meeting is in the quarter
    that ends that day; one at 00:30 on 1 April is in the next quarter."""
    area = AreaFactory()
    hear(
        meeting(area, date(2026, 3, 31), hour=0, minute=30),
        marac_case(area, victim={"date_of_birth": date(2008, 3, 31)}),
    )
    hear(meeting(area, date(2026, 4, 1), hour=0, minute=30), marac_case(area))
    result = sql_equals_python(area)
    assert (result["cases_discussed"], result["victims_aged_16_17"]) == (1, 0)
    assert sql_equals_python(area, first=date(2026, 3, 31), last=date(2026, 3, 31))["cases_discussed"] == 1
    assert sql_equals_python(area, first=date(2026, 4, 1), last=date(2026, 4, 1))["cases_discussed"] == 1


@pytest.fixture
def mixed_quarter(db):
    """A county and its district with a quarter of hearings of every kind, and hearings that must not count
    (pending, deferred, MARAC Plus, cancelled meeting, another county, outside the quarter)."""
    county = AreaFactory(kind=Area.Kind.COUNTY)
    district = AreaFactory(kind=Area.Kind.DISTRICT, parent=county)
    elsewhere = AreaFactory(kind=Area.Kind.COUNTY)
    january, march = meeting(county, date(2026, 1, 14)), meeting(district, date(2026, 3, 31), hour=17)
    repeat = marac_case(county, children=(3, 7), victim={"ethnicity": Person.Ethnicity.BLACK})
    hear(january, repeat)
    hear(march, repeat, is_repeat=True)
    hear(
        january,
        marac_case(
            county,
            kind=Agency.Kind.HEALTH,
            victim={"gender": Gender.MALE, "disability": "yes", "sexuality": "bisexual"},
            perpetrators_born=(date(2009, 1, 1),),
        ),
        outcome=AgendaItem.Outcome.ESCALATED,
    )
    hear(march, marac_case(district, kind=Agency.Kind.IDVA_SERVICE, victim={"trans": "yes", "ethnicity": "mixed"}))
    hear(
        march, marac_case(district, kind=Agency.Kind.HOUSING, victim={"ethnicity": "white_other", "sexuality": "other"})
    )
    hear(march, marac_case(district, victim={"ethnicity": "asian", "date_of_birth": None}, perpetrators_born=(None,)))
    hear(march, marac_case(district), outcome=AgendaItem.Outcome.PENDING)
    hear(march, marac_case(district), outcome=AgendaItem.Outcome.DEFERRED, deferred_reason="Research missing.")
    hear(meeting(county, date(2026, 2, 2), kind=MeetingKind.MARAC_PLUS), marac_case(county))
    cancelled = meeting(county, date(2026, 2, 3), status=MaracMeeting.Status.CANCELLED, cancellation_reason="Snow.")
    hear(cancelled, marac_case(county))
    hear(meeting(elsewhere, date(2026, 2, 4)), marac_case(elsewhere))
    hear(meeting(county, date(2025, 12, 31), hour=23, minute=30), marac_case(county))
    hear(meeting(county, date(2026, 4, 1)), marac_case(county))
    return county


def test_a_mixed_quarter_equals_python_with_figures_by_hand(mixed_quarter, django_assert_num_queries):
    """Every figure of a mixed quarter equals marac.returns' and the values worked out by hand, in three
    queries."""
    with django_assert_num_queries(3):
        sql = safelives_figures(first=QUARTER.start, last=QUARTER.end, area_ids=None)
    assert sql["cases_discussed"] == 7  # the whole partnership: the county's 6 and the other county's 1
    result = sql_equals_python(mixed_quarter)
    assert result == {
        "cases_discussed": 6,
        "repeat_cases": 1,
        "children": 4,  # the repeat case heard twice, with two children
        "referrals_by_agency_kind": {"health": 1, "housing": 1, "idva_service": 1, "police": 3},
        "police_referrals": 3,
        "partner_referrals": 3,
        "police_percentage": 50.0,
        "partner_percentage": 50.0,
        "racially_minoritised_victims": 4,  # Black twice, Mixed, Asian
        "lgbt_victims": 3,  # bisexual, trans, other
        "disabled_victims": 1,
        "male_victims": 1,
        "victims_aged_16_17": 0,
        "cases_with_perpetrator_aged_17_or_under": 1,  # perpetrator born 1 January 2009: 17
    }


def test_the_district_alone(mixed_quarter):
    """The district's return counts its own meeting only."""
    district = Area.objects.get(parent=mixed_quarter)
    assert sql_equals_python(district)["cases_discussed"] == 4


def test_an_empty_quarter(db):
    """No hearings: zero counts, no percentages, no agency kinds, as in Python."""
    result = sql_equals_python(AreaFactory())
    assert (result["cases_discussed"], result["police_percentage"], result["referrals_by_agency_kind"]) == (0, None, {})


def test_safelives_document(mixed_quarter):
    """The quarterly run's document names the period and the area and holds the return."""
    document = safelives_document(period=QUARTER, area=mixed_quarter)
    assert document["period"] == {"start": "2026-01-01", "end": "2026-03-31", "label": "2025-26 Q4", "kind": "quarter"}
    assert document["area"] == {"slug": mixed_quarter.slug, "name": mixed_quarter.name}
    assert document["marac"]["safelives"]["cases_discussed"] == 6
    assert safelives_document(period=QUARTER, area=None)["area"] is None
