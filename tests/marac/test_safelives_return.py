"""The SafeLives quarterly MARAC data return: the pure count over a hand-built quarter, age boundaries,
financial-year quarters, and the return read from the database for an area and written as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agencies.models import Agency, Area
from cases.models import Gender, Person
from marac.models import AgendaItem, MaracMeeting, MeetingKind
from marac.returns import area_with_descendants, safelives_return_csv, safelives_return_for
from marac.rules import (
    LGBT_SEXUALITIES,
    POLICE,
    RACIALLY_MINORITISED_ETHNICITIES,
    HeardCase,
    SafeLivesReturn,
    percentage,
    quarter_bounds,
    quarter_label,
    safelives_return,
)
from referrals.models import Referral
from tests.factories.agencies import AgencyFactory, AreaFactory
from tests.factories.cases import PersonFactory, case_worker, make_case
from tests.factories.referrals import police_referral

LONDON = ZoneInfo("Europe/London")
MEETING_DAY = date(2026, 2, 10)


def heard(**facts: Any) -> HeardCase:
    """A heard case with nothing to count beyond itself (an adult white British heterosexual woman, not
    disabled, referred by the police, no children, an adult perpetrator), changed by `facts`."""
    base = HeardCase(
        heard_on=MEETING_DAY,
        is_repeat=False,
        children_count=0,
        referring_agency_kind="police",
        victim_ethnicity="white_british",
        victim_sexuality="heterosexual",
        victim_disability="no",
        victim_gender="female",
        victim_born=date(1990, 5, 1),
        perpetrators_born=(date(1988, 1, 1),),
        victim_trans="no",
    )
    return replace(base, **facts)


# A quarter of eleven hearings, the figures each adds noted beside it and totalled by hand below.
HAND_BUILT_QUARTER = [
    # 1. A repeat police case with two children.
    heard(is_repeat=True, children_count=2),
    # 2. Health referral; Black victim; one child.
    heard(referring_agency_kind="health", victim_ethnicity="black", children_count=1),
    # 3. Police; Asian, gay or lesbian victim; repeat.
    heard(victim_ethnicity="asian", victim_sexuality="gay_lesbian", is_repeat=True),
    # 4. IDVA service referral (a partner referral); Mixed ethnicity; male; disabled; three children.
    heard(
        referring_agency_kind="idva_service",
        victim_ethnicity="mixed",
        victim_gender="male",
        victim_disability="yes",
        children_count=3,
    ),
    # 5. Children's social care; White other (not counted); bisexual; victim 17 on the day (birthday);
    #    perpetrator 17.
    heard(
        referring_agency_kind="childrens_social_care",
        victim_ethnicity="white_other",
        victim_sexuality="bisexual",
        victim_born=date(2009, 2, 10),
        perpetrators_born=(date(2008, 6, 1),),
    ),
    # 6. Police; Other ethnic group; trans and heterosexual (LGBT+ by being trans); victim 15, a day short of 16.
    heard(victim_ethnicity="other", victim_trans="yes", victim_born=date(2010, 2, 11)),
    # 7. Police; everything not known, birth dates unknown: counts in nothing but the police and total.
    heard(
        victim_ethnicity="not_known",
        victim_sexuality="not_known",
        victim_disability="not_known",
        victim_gender="not_known",
        victim_trans="not_known",
        victim_born=None,
        perpetrators_born=(None,),
    ),
    # 8. Housing; repeat; disabled; four children; victim turns 18 that day (not counted); of two
    #    perpetrators one is 17 (18 tomorrow).
    heard(
        referring_agency_kind="housing",
        is_repeat=True,
        victim_disability="yes",
        children_count=4,
        victim_born=date(2008, 2, 10),
        perpetrators_born=(date(1990, 1, 1), date(2008, 2, 11)),
    ),
    # 9. Police; male victim turning 16 that day; three perpetrators, two under 18: the case counts once.
    heard(
        victim_gender="male",
        victim_born=date(2010, 2, 10),
        perpetrators_born=(date(2008, 2, 10), date(2009, 3, 1), date(2010, 1, 1)),
    ),
    # 10. Case 1 heard again at a later meeting: counts again, with its children.
    heard(heard_on=date(2026, 3, 10), is_repeat=True, children_count=2),
    # 11. Police; Asian non-binary victim.
    heard(victim_ethnicity="asian", victim_gender="non_binary"),
]


def test_hand_built_quarter_figures():
    """The return of a hand-built quarter of eleven hearings has the figures worked out by hand."""
    assert safelives_return(HAND_BUILT_QUARTER) == SafeLivesReturn(
        cases_discussed=11,
        repeat_cases=4,  # 1, 3, 8, 10
        children=12,  # 2 + 1 + 3 + 4 + 2
        referrals_by_agency_kind=(
            ("childrens_social_care", 1),
            ("health", 1),
            ("housing", 1),
            ("idva_service", 1),
            ("police", 7),  # 1, 3, 6, 7, 9, 10, 11
        ),
        police_referrals=7,
        partner_referrals=4,
        police_percentage=63.6,  # 7 / 11 = 63.64%
        partner_percentage=36.4,  # 4 / 11 = 36.36%
        racially_minoritised_victims=5,  # 2 Black, 3 Asian, 4 Mixed, 6 Other, 11 Asian
        lgbt_victims=3,  # 3 gay or lesbian, 5 bisexual, 6 trans
        disabled_victims=2,  # 4, 8
        male_victims=2,  # 4, 9
        victims_aged_16_17=2,  # 5 (17), 9 (16)
        cases_with_perpetrator_aged_17_or_under=3,  # 5, 8, 9
    )


def test_empty_quarter():
    """A quarter with no cases heard has zero counts and no percentages."""
    assert safelives_return([]) == SafeLivesReturn(
        cases_discussed=0,
        repeat_cases=0,
        children=0,
        referrals_by_agency_kind=(),
        police_referrals=0,
        partner_referrals=0,
        police_percentage=None,
        partner_percentage=None,
        racially_minoritised_victims=0,
        lgbt_victims=0,
        disabled_victims=0,
        male_victims=0,
        victims_aged_16_17=0,
        cases_with_perpetrator_aged_17_or_under=0,
    )


def test_the_same_case_heard_twice_counts_twice():
    """A case discussed at two meetings of the quarter is two cases discussed, its children counted twice."""
    once = heard(children_count=3, victim_ethnicity="black")
    result = safelives_return([once, replace(once, heard_on=date(2026, 3, 17))])
    assert (result.cases_discussed, result.children, result.racially_minoritised_victims) == (2, 6, 2)


def test_no_police_referrals_is_all_partner():
    """A quarter with no police referrals is 0.0% police and 100.0% partner."""
    result = safelives_return([heard(referring_agency_kind="health"), heard(referring_agency_kind="refuge")])
    assert (result.police_referrals, result.police_percentage, result.partner_percentage) == (0, 0.0, 100.0)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 16, 6.3), (1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (0, 5, 0.0), (5, 5, 100.0), (0, 0, None)],
)
def test_percentage_rounds_half_up_to_one_decimal(part, whole, expected):
    """Percentages round half up to one decimal (6.25% is 6.3%) and are None of nothing."""
    assert percentage(part, whole) == expected


@pytest.mark.parametrize(
    ("born", "counted"),
    [
        (date(2010, 2, 11), False),  # 15: 16 tomorrow
        (date(2010, 2, 10), True),  # 16 today
        (date(2009, 2, 11), True),  # 16: 17 tomorrow
        (date(2009, 2, 10), True),  # 17 today
        (date(2008, 2, 11), True),  # 17: 18 tomorrow
        (date(2008, 2, 10), False),  # 18 today
        (None, False),  # not known
    ],
)
def test_victim_aged_16_17_on_the_meeting_day(born, counted):
    """A victim counts as aged 16-17 by their age on the meeting day, from their 16th birthday to the day
    before their 18th; an unknown birth date does not count."""
    assert safelives_return([heard(victim_born=born)]).victims_aged_16_17 == int(counted)


@pytest.mark.parametrize(
    ("born", "counted"),
    [
        (date(2012, 6, 1), True),  # 13
        (date(2008, 2, 11), True),  # 17: 18 tomorrow
        (date(2008, 2, 10), False),  # 18 today
        (None, False),  # not known
    ],
)
def test_perpetrator_aged_17_or_under_on_the_meeting_day(born, counted):
    """A perpetrator counts as aged 17 or under until their 18th birthday; an unknown birth date does not."""
    result = safelives_return([heard(perpetrators_born=(born,))])
    assert result.cases_with_perpetrator_aged_17_or_under == int(counted)


def test_case_without_perpetrators_counts_no_young_perpetrator():
    """A case with no perpetrator recorded adds nothing to the young perpetrators."""
    assert safelives_return([heard(perpetrators_born=())]).cases_with_perpetrator_aged_17_or_under == 0


def test_leap_day_birthday_reaches_18_on_1_march():
    """A victim born on 29 February is still 17 on 28 February of a common year and 18 on 1 March."""
    born = date(2008, 2, 29)
    day_before = heard(victim_born=born, heard_on=date(2026, 2, 28))
    first_of_march = heard(victim_born=born, heard_on=date(2026, 3, 1))
    assert [safelives_return([case]).victims_aged_16_17 for case in (day_before, first_of_march)] == [1, 0]


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (1, date(2025, 4, 1), date(2025, 6, 30)),
        (2, date(2025, 7, 1), date(2025, 9, 30)),
        (3, date(2025, 10, 1), date(2025, 12, 31)),
        (4, date(2026, 1, 1), date(2026, 3, 31)),
    ],
)
def test_quarter_bounds_of_a_financial_year(quarter, first, last):
    """The quarters of financial year 2025-26 run April-June, July-September, October-December and
    January-March 2026."""
    assert quarter_bounds(2025, quarter) == (first, last)


def test_quarter_bounds_in_a_leap_year():
    """Q4 of 2023-24 (January-March 2024) includes 29 February: 91 days, against 90 in 2025-26."""
    first, last = quarter_bounds(2023, 4)
    assert (first, last) == (date(2024, 1, 1), date(2024, 3, 31))
    assert (last - first).days + 1 == 91
    first, last = quarter_bounds(2025, 4)
    assert (last - first).days + 1 == 90


@pytest.mark.parametrize("quarter", [0, 5])
def test_quarter_outside_1_to_4_is_refused(quarter):
    """Only quarters 1 to 4 exist."""
    with pytest.raises(ValueError, match="A quarter is 1 to 4"):
        quarter_bounds(2025, quarter)


def test_quarter_label_is_the_financial_year():
    """Quarter labels name the financial year: 2025-26 Q4, and 1999-00 across a century."""
    assert (quarter_label(2025, 4), quarter_label(1999, 1)) == ("2025-26 Q4", "1999-00 Q1")


def test_the_rules_values_are_model_choices():
    """The ethnicities, sexualities and agency kind the rules count by are values of the models' choices."""
    assert set(Person.Ethnicity.values) >= RACIALLY_MINORITISED_ETHNICITIES
    assert set(Person.Ethnicity.values) - RACIALLY_MINORITISED_ETHNICITIES == {
        "white_british",
        "white_other",
        "not_known",
    }
    assert set(Person.Sexuality.values) >= LGBT_SEXUALITIES
    assert POLICE in Agency.Kind.values


def test_csv_has_one_row_a_figure():
    """The CSV has a header and a row per figure, referrals by agency kind as rows of their own."""
    rows = list(csv.reader(io.StringIO(safelives_return_csv(safelives_return(HAND_BUILT_QUARTER)))))
    assert rows == [
        ["figure", "value"],
        ["cases_discussed", "11"],
        ["repeat_cases", "4"],
        ["children", "12"],
        ["referrals_from_childrens_social_care", "1"],
        ["referrals_from_health", "1"],
        ["referrals_from_housing", "1"],
        ["referrals_from_idva_service", "1"],
        ["referrals_from_police", "7"],
        ["police_referrals", "7"],
        ["partner_referrals", "4"],
        ["police_percentage", "63.6"],
        ["partner_percentage", "36.4"],
        ["racially_minoritised_victims", "5"],
        ["lgbt_victims", "3"],
        ["disabled_victims", "2"],
        ["male_victims", "2"],
        ["victims_aged_16_17", "2"],
        ["cases_with_perpetrator_aged_17_or_under", "3"],
    ]


def test_csv_of_an_empty_quarter_leaves_percentages_empty():
    """With no cases the percentages are empty cells, not 0 or "None"."""
    rows = dict(list(csv.reader(io.StringIO(safelives_return_csv(safelives_return([])))))[1:])
    assert (rows["cases_discussed"], rows["police_percentage"], rows["partner_percentage"]) == ("0", "", "")


# From the database ---------------------------------------------------------------------------------------


def meeting(area: Area, day: date, *, kind: str = MeetingKind.MARAC, hour: int = 10) -> MaracMeeting:
    """A held meeting of the area at `hour` o'clock local time on `day`."""
    return MaracMeeting.objects.create(
        area=area,
        kind=kind,
        starts_at=datetime.combine(day, time(hour), tzinfo=LONDON),
        capacity=20,
        status=MaracMeeting.Status.HELD,
    )


def list_item(on: MaracMeeting, referral: Referral, *, outcome: str = AgendaItem.Outcome.HEARD, **kwargs) -> AgendaItem:
    """The referral on the meeting's agenda with the outcome given."""
    position = on.agenda_items.count() + 1
    return AgendaItem.objects.create(meeting=on, referral=referral, position=position, outcome=outcome, **kwargs)


def marac_referral(*, kind: str = Agency.Kind.POLICE, victim: Person, perpetrators_born, children=()) -> Referral:
    """A MARAC referral made by a new agency of `kind`, for a new case of the victim."""
    referrer = case_worker(AgencyFactory(kind=kind))
    perpetrators = [PersonFactory(gender=Gender.MALE, date_of_birth=born) for born in perpetrators_born]
    case = make_case(referrer, victim=victim, perpetrators=perpetrators, children=children)
    return police_referral(referrer=referrer, case=case, service=Referral.Service.MARAC, received_on=date(2026, 1, 5))


@pytest.fixture
def quarter(db):
    """2025-26 Q4 for a county with a district: two cases heard in the quarter (one twice, once in the
    district), and items that must not count: deferred, pending, another area's, the quarters either
    side, a MARAC Plus meeting and a cancelled meeting."""
    county = AreaFactory(kind=Area.Kind.COUNTY)
    district = AreaFactory(kind=Area.Kind.DISTRICT, parent=county)
    elsewhere = AreaFactory(kind=Area.Kind.COUNTY)
    first_case = marac_referral(
        victim=PersonFactory(ethnicity="black", date_of_birth=date(1990, 5, 1)),
        perpetrators_born=[date(1985, 3, 1)],
        children=[3, 7],
    )
    young_case = marac_referral(
        kind=Agency.Kind.HEALTH,
        victim=PersonFactory(
            gender=Gender.MALE, disability="yes", sexuality="bisexual", date_of_birth=date(2009, 6, 1)
        ),
        perpetrators_born=[date(1990, 1, 1), date(2009, 1, 1)],
    )
    deferred = marac_referral(victim=PersonFactory(date_of_birth=date(1980, 1, 1)), perpetrators_born=[None])
    pending = marac_referral(victim=PersonFactory(date_of_birth=date(1980, 1, 1)), perpetrators_born=[None])

    january, february = meeting(county, date(2026, 1, 14)), meeting(county, date(2026, 2, 11))
    list_item(january, first_case)
    list_item(february, young_case, outcome=AgendaItem.Outcome.ESCALATED)
    list_item(february, deferred, outcome=AgendaItem.Outcome.DEFERRED, deferred_reason="Police research missing.")
    list_item(february, pending, outcome=AgendaItem.Outcome.PENDING)
    # The last day of the quarter, in the district (British Summer Time by then).
    list_item(meeting(district, date(2026, 3, 31)), first_case, is_repeat=True)
    list_item(meeting(elsewhere, date(2026, 2, 11)), first_case)
    list_item(meeting(county, date(2025, 12, 31)), first_case)
    list_item(meeting(county, date(2026, 4, 1)), first_case)
    list_item(meeting(county, date(2026, 2, 12), kind=MeetingKind.MARAC_PLUS), young_case)
    cancelled = meeting(county, date(2026, 3, 2))
    MaracMeeting.objects.filter(pk=cancelled.pk).update(
        status=MaracMeeting.Status.CANCELLED, cancellation_reason="Snow."
    )
    list_item(cancelled, young_case)
    return county


def expected_heard_cases() -> list[HeardCase]:
    """The three hearings the fixture's quarter should count, written out by hand."""
    first = HeardCase(
        heard_on=date(2026, 1, 14),
        is_repeat=False,
        children_count=2,
        referring_agency_kind="police",
        victim_ethnicity="black",
        victim_sexuality="not_known",
        victim_disability="not_known",
        victim_gender="female",
        victim_born=date(1990, 5, 1),
        perpetrators_born=(date(1985, 3, 1),),
        victim_trans="not_known",
    )
    young = HeardCase(
        heard_on=date(2026, 2, 11),
        is_repeat=False,
        children_count=0,
        referring_agency_kind="health",
        victim_ethnicity="not_known",
        victim_sexuality="bisexual",
        victim_disability="yes",
        victim_gender="male",
        victim_born=date(2009, 6, 1),
        perpetrators_born=(date(1990, 1, 1), date(2009, 1, 1)),
        victim_trans="not_known",
    )
    return [first, young, replace(first, heard_on=date(2026, 3, 31), is_repeat=True)]


def test_return_for_an_area_matches_the_pure_return(quarter, django_assert_max_num_queries):
    """The area's return counts the items heard or escalated at its and its districts' MARAC meetings of
    the quarter, in four queries, and equals the pure return of those hearings."""
    first, last = quarter_bounds(2025, 4)
    with django_assert_max_num_queries(4):
        result = safelives_return_for(area=quarter, first=first, last=last)
    assert result == safelives_return(expected_heard_cases())
    assert (result.cases_discussed, result.repeat_cases, result.children) == (3, 1, 4)
    assert (result.police_referrals, result.police_percentage, result.partner_percentage) == (2, 66.7, 33.3)
    assert (result.racially_minoritised_victims, result.lgbt_victims, result.male_victims) == (2, 1, 1)
    assert (result.victims_aged_16_17, result.cases_with_perpetrator_aged_17_or_under) == (1, 1)


def test_query_count_does_not_grow_with_cases(quarter, django_assert_max_num_queries):
    """More heard cases, each with children and perpetrators, take no more queries."""
    extra = meeting(quarter, date(2026, 3, 4))
    for _ in range(3):
        victim = PersonFactory(date_of_birth=date(1995, 1, 1))
        list_item(extra, marac_referral(victim=victim, perpetrators_born=[date(1990, 1, 1)] * 2, children=[1, 2]))
    first, last = quarter_bounds(2025, 4)
    with django_assert_max_num_queries(4):
        result = safelives_return_for(area=quarter, first=first, last=last)
    assert (result.cases_discussed, result.children) == (6, 10)


def test_district_return_leaves_out_the_county(quarter):
    """A district's return counts its own meetings only, not its parent county's."""
    district = Area.objects.get(parent=quarter)
    first, last = quarter_bounds(2025, 4)
    result = safelives_return_for(area=district, first=first, last=last)
    assert (result.cases_discussed, result.repeat_cases) == (1, 1)


def test_area_with_descendants_goes_down_every_level(db, django_assert_num_queries):
    """The areas below an area are found at every depth, in one query, and never those beside or above."""
    county = AreaFactory()
    district = AreaFactory(parent=county)
    ward = AreaFactory(parent=district)
    AreaFactory(parent=AreaFactory())
    with django_assert_num_queries(1):
        assert area_with_descendants(area=county) == {county.pk, district.pk, ward.pk}
    assert area_with_descendants(area=district) == {district.pk, ward.pk}


def test_return_csv_from_the_database(quarter):
    """The area's return as CSV gives the database figures."""
    first, last = quarter_bounds(2025, 4)
    rows = dict(
        list(csv.reader(io.StringIO(safelives_return_csv(safelives_return_for(area=quarter, first=first, last=last)))))
    )
    assert rows["cases_discussed"] == "3"
    assert (rows["referrals_from_police"], rows["referrals_from_health"]) == ("2", "1")
    assert (rows["police_percentage"], rows["partner_percentage"]) == ("66.7", "33.3")
