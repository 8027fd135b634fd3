"""Synthetic partnership data for the report benchmark, written straight into PostgreSQL with COPY.

    DATABASE_URL=postgres://... python bench/generate.py --scale 100 --years 4

Creates a new database `dasv_bench_s<scale>` on the server DATABASE_URL points at (refusing when it
exists, so it never touches anyone's data), migrates it, then fills the tables the annual report reads.
Scale 1 is the seed partnership per year (domain.md section 9): about 2,300 IDVA referrals, 1,200 MARAC
cases heard at about 150 meetings, 15,000 police incidents (about 40% crimes), 70 perpetrator panel cases
and 10 death reviews, in one county of six districts. Scale 100 is a national deployment: ten counties
of six districts, each county ten times the seed partnership. Years are financial years ending with
2022-23. Random tokens only: no real names, dates or places.

Rows are streamed to COPY as they are generated, on two connections at once (PostgreSQL's index upkeep
is most of the cost, and two backends use both cores), then `VACUUM (ANALYZE)`. Foreign keys are built
valid by construction (ids are assigned here) and checked afterwards
(`--no-verify` skips the check); the session runs with `session_replication_role = replica`, which skips
the per-row foreign key triggers during the load (CHECK and UNIQUE constraints and every index stay on).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2

# SQL here is built from this file's constants (table and column names), never from input; the child
# processes run this interpreter on this repository's scripts.
# ruff: noqa: S608, S603

ROOT = Path(__file__).resolve().parent.parent
LAST_FINANCIAL_YEAR = 2022  # 2022-23: the year the benchmark reports on
DISTRICTS_PER_COUNTY = 6
# Seed partnership volumes per year (domain.md section 9) and the modelling choices around them.
IDVA_REFERRALS = 2300
MARAC_CASES = 1200
MARAC_MEETINGS = 150
POLICE_INCIDENTS = 15000
OTHER_INCIDENTS = 1500  # reported to other agencies (housing, health...): not police figures
CASES = 4000
PANEL_CASES = 70
REVIEWS = 10
DISTRICT_POPULATION = 130_000
EPOCH = "2019-01-01 00:00:00+00"  # created_at of reference rows

AGENCY_KINDS = (
    "police",
    "idva_service",
    "childrens_social_care",
    "adult_safeguarding",
    "health",
    "housing",
    "probation",
    "refuge",
    "outreach",
    "victim_hub",
    "isva_service",
    "substance_misuse",
    "mental_health",
    "education",
    "community",
)
# Who refers to the IDVA service and to MARAC (agency kind, weight).
REFERRERS = (
    ("police", 55),
    ("childrens_social_care", 9),
    ("health", 8),
    ("idva_service", 7),
    ("housing", 5),
    ("probation", 4),
    ("adult_safeguarding", 3),
    ("mental_health", 3),
    ("outreach", 2),
    ("refuge", 2),
    ("substance_misuse", 1),
    ("education", 1),
)
CRIME_TYPES = ("assault_abh", "common_assault", "harassment", "criminal_damage", "stalking", "coercive_control")
SPECIALIST_POSTS = ("young_people", "a8", "health", "stalking")
CLOSURE_OUTCOMES = ("support_completed",) * 6 + ("not_engaged", "victim_withdrew", "moved_out_of_area", "transferred")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def iso_days(first: date, last: date) -> dict[int, str]:
    """ISO strings of every day from `first` to `last`, by ordinal: formatting dates once, not per row."""
    return {
        (first + timedelta(days=n)).toordinal(): (first + timedelta(days=n)).isoformat()
        for n in range((last - first).days + 1)
    }


def stochastic_round(value: float, rng: random.Random) -> int:
    """An integer whose expected value is `value` (so small per-district volumes still add up)."""
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


def children_of(case_id: int) -> int:
    """How many children a case has, from its id (so agenda items agree with the Child rows without a
    lookup): about 45% of households have children, 0.8 children per case on average."""
    h = (case_id * 2654435761 >> 8) % 20
    return 0 if h < 11 else 1 if h < 15 else 2 if h < 18 else 3


class RowStream(io.TextIOBase):
    """A file-like object that COPY reads from: lines come from a generator, in chunks, as asked for."""

    def __init__(self, lines: Iterator[str], chunk: int = 4000) -> None:
        self.lines = lines
        self.chunk = chunk
        self.rows = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        batch = []
        for line in self.lines:
            batch.append(line)
            if len(batch) >= self.chunk:
                break
        self.rows += len(batch)
        return "".join(batch)

    readline = read


@dataclass
class District:
    id: int
    county: int
    slug: str


@dataclass
class County:
    id: int
    slug: str
    districts: list[District] = field(default_factory=list)
    agencies: dict[str, int] = field(default_factory=dict)  # kind -> agency id
    idvas: list[int] = field(default_factory=list)  # IDVA user ids


class Generator:
    def __init__(self, connection, *, scale: float, years: int, seed: int) -> None:
        self.db = connection
        self.url = connection.dsn
        self.scale = scale
        self.seed = seed
        self.years = [LAST_FINANCIAL_YEAR - years + 1 + n for n in range(years)]
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.first_day = date(self.years[0], 4, 1)
        self.last_day = date(self.years[-1] + 1, 3, 31)
        self.days = iso_days(self.first_day - timedelta(days=400), self.last_day + timedelta(days=400))
        self.counties: list[County] = []
        n_counties = max(1, math.ceil(scale / 10))
        # Every district holds the same share of the partnership: u seed-partnership units a year.
        self.unit = scale / (n_counties * DISTRICTS_PER_COUNTY)
        self.n_counties = n_counties
        # (district, year) -> (first case id, last case id + 1)
        self.case_ranges: dict[tuple[int, int], tuple[int, int]] = {}
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    # -- plumbing ------------------------------------------------------------------------------------
    def copy(self, table: str, columns: Iterable[str], lines: Iterator[str], connection=None) -> int:
        started = time.perf_counter()
        stream = RowStream(lines)
        connection = connection or self.db
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", stream, size=1 << 20)
        connection.commit()
        seconds = time.perf_counter() - started
        with self.lock:
            self.counts[table] = self.counts.get(table, 0) + stream.rows
            self.timings[table] = self.timings.get(table, 0.0) + seconds
        log(f"  {table}: {stream.rows:,} rows in {seconds:.1f} s")
        return stream.rows

    def random_for(self, table: str) -> random.Random:
        """A generator of its own per table: the same data whichever lane loads the table first."""
        return random.Random(f"{self.seed}:{table}")

    def lane(self, steps: list[Callable[[Any], None]]) -> threading.Thread:
        """Load some tables on a connection of their own, beside the others: PostgreSQL's index upkeep is
        the cost of the load, and two backends use both cores (Python's share is small)."""

        def work() -> None:
            connection = psycopg2.connect(self.url)
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = replica")
                for step in steps:
                    step(connection)
            except BaseException as error:  # reported by run(), which waits for every lane
                self.errors.append(error)
                raise
            finally:
                connection.close()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        return thread

    def day(self, ordinal: int) -> str:
        return self.days[ordinal]

    def stamp(self, ordinal: int) -> str:
        return self.days[ordinal] + " 09:00:00+00"

    def fy_range(self, year: int) -> tuple[int, int]:
        return date(year, 4, 1).toordinal(), date(year + 1, 3, 31).toordinal()

    def weighted(self, pairs: tuple[tuple[str, int], ...], n: int, rng: random.Random) -> list[str]:
        return rng.choices([kind for kind, _ in pairs], weights=[w for _, w in pairs], k=n)

    # -- reference rows ------------------------------------------------------------------------------
    def areas_and_agencies(self) -> None:
        area_id = agency_id = user_id = group_id = 0
        with self.db.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM auth_group")
            group_id = cursor.fetchone()[0]
        now = "2019-01-01 00:00:00+00"
        areas, agencies, groups, links, users = [], [], [], [], []
        for c in range(1, self.n_counties + 1):
            area_id += 1
            county = County(id=area_id, slug=f"bench-county-{c:02d}")
            areas.append(f"{area_id}\t{now}\t{now}\tBench county {c:02d}\t{county.slug}\tcounty\t\\N\n")
            for d in range(1, DISTRICTS_PER_COUNTY + 1):
                area_id += 1
                slug = f"{county.slug}-district-{d}"
                county.districts.append(District(id=area_id, county=county.id, slug=slug))
                areas.append(f"{area_id}\t{now}\t{now}\tBench district {c:02d}-{d}\t{slug}\tdistrict\t{county.id}\n")
            for kind in AGENCY_KINDS:
                agency_id += 1
                group_id += 1
                slug = f"{county.slug}-{kind.replace('_', '-')}"
                county.agencies[kind] = agency_id
                groups.append(f"{group_id}\tagency:{slug}\n")
                member = "t" if kind not in ("community", "education") else "f"
                agencies.append(
                    f"{agency_id}\t{now}\t{now}\t{kind} of bench county {c:02d}\t{slug}\t{kind}\t{member}\tt\t"
                    f"{group_id}\n"
                )
                links.append(f"{agency_id}\t{county.id}\n")
            # IDVAs: about 20 per seed partnership, a fifth of them in specialist posts.
            for n in range(max(5, round(20 * self.scale / self.n_counties))):
                user_id += 1
                post = SPECIALIST_POSTS[n % 4] if n % 5 == 4 else ""
                users.append(
                    f"{user_id}\t!\t\\N\tf\tidva{user_id}@{county.slug}.bench.invalid\tI{user_id}\tBench\t{post}\tt\tf\t"
                    f"{now}\t{county.agencies['idva_service']}\n"
                )
                county.idvas.append(user_id)
            self.counties.append(county)
        self.copy("agencies_area", ("id", "created_at", "updated_at", "name", "slug", "kind", "parent_id"), iter(areas))
        self.copy("auth_group", ("id", "name"), iter(groups))
        self.copy(
            "agencies_agency",
            ("id", "created_at", "updated_at", "name", "slug", "kind", "is_marac_member", "active", "group_id"),
            iter(agencies),
        )
        self.copy("agencies_agency_areas", ("agency_id", "area_id"), iter(links))
        self.copy(
            "agencies_user",
            (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "email",
                "given_name",
                "family_name",
                "specialist_post",
                "is_active",
                "is_staff",
                "date_joined",
                "agency_id",
            ),
            iter(users),
        )

    # -- cases, people, children -----------------------------------------------------------------------
    def plan_cases(self) -> None:
        next_id = 1
        for county in self.counties:
            for district in county.districts:
                for year in self.years:
                    n = stochastic_round(CASES * self.unit, self.rng)
                    self.case_ranges[(district.id, year)] = (next_id, next_id + n)
                    next_id += n
        self.n_cases = next_id - 1

    def case_lines(self) -> Iterator[str]:
        rng = self.random_for("cases_case")
        end = self.last_day.toordinal()
        for (district_id, year), (lo, hi) in self.case_ranges.items():
            county = self.county_of(district_id)
            idva = county.agencies["idva_service"]
            first, last = self.fy_range(year)
            for case_id in range(lo, hi):
                opened = rng.randint(first, last)
                closed = opened + rng.randint(30, 500)
                if closed > end:
                    status, closed_on = "open", "\\N"
                else:
                    status, closed_on = "closed", self.days[closed]
                flags = rng.getrandbits(8)
                yield (
                    f"{case_id}\t{self.stamp(opened)}\t{self.stamp(opened)}\tDA-{year}-{case_id:08d}\t{self.days[opened]}\t"
                    f"{closed_on}\t{status}\t{'t' if flags & 1 else 'f'}\t{'t' if flags & 2 and flags & 4 else 'f'}\t"
                    f"f\tf\t{'t' if flags & 8 and flags & 16 else 'f'}\t{'t' if flags & 32 and flags & 64 else 'f'}\t"
                    f"{district_id}\t{idva}\t{2 * case_id - 1}\n"
                )

    def person_lines(self) -> Iterator[str]:
        rng = self.random_for("cases_person")
        ethnicities = ("white_british",) * 14 + ("white_other", "mixed", "asian", "black", "other", "not_known")
        sexualities = ("heterosexual",) * 12 + ("gay_lesbian", "bisexual", "other", "not_known", "not_known")
        born_lo, born_hi = date(1940, 1, 1).toordinal(), date(2006, 12, 31).toordinal()
        for person_id in range(1, 2 * self.n_cases + 1):
            victim = person_id % 2 == 1
            r = rng.random()
            gender = ("female" if r < 0.9 else "male") if victim else ("male" if r < 0.92 else "female")
            dob = "\\N" if r > 0.97 else date.fromordinal(rng.randint(born_lo, born_hi)).isoformat()
            yield (
                f"{person_id}\t2019-01-01 00:00:00+00\t2019-01-01 00:00:00+00\tP{rng.getrandbits(24):x}\t"
                f"Q{rng.getrandbits(24):x}\t\t{dob}\t{gender}\t{rng.choice(ethnicities)}\t{rng.choice(sexualities)}\t"
                f"{'yes' if rng.random() < 0.12 else 'no'}\t{'yes' if r < 0.005 else 'not_known'}\t\tf\t"
                f"{'a8' if r < 0.04 else 'uk'}\t{'t' if r > 0.99 else 'f'}\n"
            )

    def party_lines(self) -> Iterator[str]:
        for case_id in range(1, self.n_cases + 1):
            relationship = "ex_partner" if case_id % 3 == 0 else "partner"
            yield f"{case_id}\t{EPOCH}\t{EPOCH}\t{relationship}\t{case_id}\t{2 * case_id}\n"

    def child_lines(self) -> Iterator[str]:
        child_id = 0
        for case_id in range(1, self.n_cases + 1):
            for n in range(children_of(case_id)):
                child_id += 1
                yield (
                    f"{child_id}\t2019-01-01 00:00:00+00\t2019-01-01 00:00:00+00\t{(case_id + 7 * n) % 18}\t"
                    f"{'female' if (case_id + n) % 2 else 'male'}\tchild_of_victim\t{case_id}\n"
                )

    def county_of(self, district_id: int) -> County:
        return self.counties[(district_id - 1) // (DISTRICTS_PER_COUNTY + 1)]

    # -- incidents -----------------------------------------------------------------------------------------
    def incident_lines(self) -> Iterator[str]:
        rng = self.random_for("cases_incident")
        incident_id = 0
        others = ("housing", "health", "childrens_social_care", "adult_safeguarding")
        for (district_id, year), (lo, hi) in self.case_ranges.items():
            if hi <= lo:
                continue
            county = self.county_of(district_id)
            police = county.agencies["police"]
            first, last = self.fy_range(year)
            n_police = stochastic_round(POLICE_INCIDENTS * self.unit, rng)
            n_other = stochastic_round(OTHER_INCIDENTS * self.unit, rng)
            for n in range(n_police + n_other):
                incident_id += 1
                case_id = rng.randrange(lo, hi)
                on = rng.randint(first, last)
                if n < n_police:
                    agency = police
                    crime = rng.random() < 0.4
                else:
                    agency = county.agencies[others[n % 4]]
                    crime = False
                stamp = self.stamp(on)
                yield (
                    f"{incident_id}\t{stamp}\t{stamp}\t{self.days[on]}\t{'t' if crime else 'f'}\t"
                    f"{CRIME_TYPES[incident_id % 6] if crime else ''}\tI{incident_id}\t{case_id}\t{agency}\t"
                    f"{2 * case_id}\n"
                )

    # -- referrals, closures, meetings and agendas -----------------------------------------------------------
    REFERRAL_COLUMNS = (
        "id",
        "created_at",
        "updated_at",
        "service",
        "received_on",
        "reasons",
        "consent",
        "consent_reason",
        "status",
        "is_repeat",
        "case_id",
        "referring_agency_id",
        "closure_outcome",
        "details",
        "engagement",
        "not_engaged_detail",
        "not_engaged_reason",
        "receiving_agency_id",
        "referrer_email",
        "referrer_job_title",
        "referrer_name",
        "referrer_phone",
        "allocated_to_id",
        "allocated_on",
        "engagement_on",
        "closed_on",
    )

    def idva_referral_lines(self, closures: list[str]) -> Iterator[str]:
        rng = self.random_for("idva_referrals")
        end = self.last_day.toordinal()
        views = ("yes",) * 7 + ("no", "not_known", "not_known")
        for (district_id, year), (lo, hi) in self.case_ranges.items():
            if hi <= lo:
                continue
            county = self.county_of(district_id)
            idva = county.agencies["idva_service"]
            first, last = self.fy_range(year)
            n = stochastic_round(IDVA_REFERRALS * self.unit, rng)
            for kind in self.weighted(REFERRERS, n, rng):
                self.referral_id += 1
                received = rng.randint(first, last)
                case_id = rng.randrange(lo, hi)
                repeat = "t" if rng.random() < 0.18 else "f"
                allocated_to, allocated_on = "\\N", "\\N"
                engagement = engagement_on = reason = closure = ""
                engagement_on = closed_on = "\\N"
                r = rng.random()
                if received + 2 <= end and r < 0.97:
                    allocated_to, allocated_on = str(rng.choice(county.idvas)), self.days[received + 1]
                    status = "allocated" if r < 0.02 else "contacting"
                    engaged_day = received + rng.randint(2, 40)
                    if r < 0.89 and engaged_day <= end:
                        engagement = "engaged" if r < 0.68 else "not_engaged"
                        reason = (
                            "" if engagement == "engaged" else ("declined" if r < 0.8 else "could_not_contact_safely")
                        )
                        engagement_on = self.days[engaged_day]
                        status = engagement
                        closed_day = engaged_day + rng.randint(20, 150)
                        if closed_day <= end:
                            status = "closed"
                            closure = "not_engaged" if engagement == "not_engaged" else rng.choice(CLOSURE_OUTCOMES)
                            closed_on = self.days[closed_day]
                            if rng.random() < 0.7:
                                closures.append(f"{self.referral_id}\t{rng.choice(views)}\t{self.stamp(closed_day)}\n")
                else:
                    status = "received"
                stamp = self.stamp(received)
                yield (
                    f"{self.referral_id}\t{stamp}\t{stamp}\tidva\t{self.days[received]}\t[]\tgiven\t\t{status}\t{repeat}\t"
                    f"{case_id}\t{county.agencies[kind]}\t{closure}\t\t{engagement}\t\t{reason}\t{idva}\t\t\t\t\t"
                    f"{allocated_to}\t{allocated_on}\t{engagement_on}\t{closed_on}\n"
                )

    def closure_lines(self, closures: list[str]) -> Iterator[str]:
        for n, line in enumerate(closures, start=1):
            referral_id, view, stamp = line.rstrip("\n").split("\t")
            yield f"{n}\t{stamp}\t{stamp}\tnot_known\t{view}\tnone\tnone\tnot_applicable\t\t{referral_id}\n"

    def meeting_and_referral_lines(self, meetings: list[str], items: list[str]) -> Iterator[str]:
        """MARAC referrals (yielded), with the meetings and agenda items that hear them (collected)."""
        rng = self.random_for("marac_referrals")
        meeting_id = item_id = 0
        for county in self.counties:
            idva = county.agencies["idva_service"]
            for district in county.districts:
                for year in self.years:
                    lo, hi = self.case_ranges[(district.id, year)]
                    if hi <= lo:
                        continue
                    first, last = self.fy_range(year)
                    weekdays = [d for d in range(first, last + 1) if date.fromordinal(d).weekday() < 5]
                    n_meetings = max(1, stochastic_round(MARAC_MEETINGS * self.unit, rng))
                    n_items = stochastic_round(MARAC_CASES * self.unit, rng)
                    per_meeting = n_items / n_meetings
                    days = sorted(rng.choices(weekdays, k=n_meetings))
                    for day in days:
                        meeting_id += 1
                        r = rng.random()
                        kind = "marac_plus" if r < 0.03 else "marac"
                        cancelled = 0.03 <= r < 0.07
                        status = "cancelled" if cancelled else ("minutes_approved" if r < 0.8 else "held")
                        stamp = f"{self.days[day]} 10:00:00+00"
                        meetings.append(
                            f"{meeting_id}\t{stamp}\t{stamp}\t{kind}\t{stamp}\t12\t\t{status}\t"
                            f"{'bench: room not available' if cancelled else ''}\tt\t{district.id}\n"
                        )
                        for position in range(1, stochastic_round(per_meeting, rng) + 1):
                            item_id += 1
                            self.referral_id += 1
                            case_id = rng.randrange(lo, hi)
                            repeat = "t" if rng.random() < 0.28 else "f"
                            received = day - rng.randint(7, 21)
                            o = rng.random()
                            outcome = (
                                "pending"
                                if cancelled
                                else "heard"
                                if o < 0.88
                                else "escalated"
                                if o < 0.91
                                else "deferred"
                                if o < 0.96
                                else "pending"
                            )
                            items.append(
                                f"{item_id}\t{stamp}\t{stamp}\t{position}\t{'t' if children_of(case_id) else 'f'}\t"
                                f"{repeat}\tf\t{outcome}\t{'bench: research missing' * (outcome == 'deferred')}\t"
                                f"\t\t{self.referral_id}\t{meeting_id}\tf\n"
                            )
                            referrer = county.agencies[self.weighted(REFERRERS, 1, rng)[0]]
                            rstamp = self.stamp(received)
                            yield (
                                f"{self.referral_id}\t{rstamp}\t{rstamp}\t{kind}\t{self.days[received]}\t[]\tgiven\t\t"
                                f"closed\t{repeat}\t{case_id}\t{referrer}\tsupport_completed\t\t\t\t\t{idva}\t\t\t\t\t"
                                f"\\N\t\\N\t\\N\t{self.days[day]}\n"
                            )

    # -- perpetrator panel, death reviews --------------------------------------------------------------------
    def panel(self) -> None:
        rng = self.random_for("panel")
        cases, links, actions = [], [], []
        panel_id = action_id = 0
        end = self.last_day.toordinal()
        for county in self.counties:
            for district in county.districts:
                for year in self.years:
                    lo, hi = self.case_ranges[(district.id, year)]
                    n = min(hi - lo, stochastic_round(PANEL_CASES * self.unit, rng))
                    first, last = self.fy_range(year)
                    for case_id in rng.sample(range(lo, hi), n):
                        panel_id += 1
                        opened = rng.randint(first, last)
                        exited = opened + rng.randint(90, 400)
                        flags = rng.getrandbits(6)
                        if exited <= end:
                            status, exited_on, exit_score = "inactive", self.days[exited], "4.00"
                        else:
                            status, exited_on, exit_score = "active", "\\N", "\\N"
                        stamp = self.stamp(opened)
                        cases.append(
                            f'{panel_id}\t{stamp}\t{stamp}\tPP-{panel_id:07d}\t{self.days[opened]}\t["high_rfgv"]\t\t'
                            f"31.00\t{{}}\t24.00\t{{}}\t{self.days[opened]}\t{'t' if flags & 1 else 'f'}\t"
                            f"{'t' if flags & 2 else 'f'}\t{'t' if flags & 12 == 12 else 'f'}\t"
                            f"{'t' if flags & 48 == 48 else 'f'}\t{status}\t{self.days[opened]}\t{exited_on}\t"
                            f"{exit_score}\t{2 * case_id}\n"
                        )
                        links.append(f"{panel_id}\t{case_id}\n")
                        # Most cases get actions; a few are on the list without any yet.
                        for _ in range(rng.choice((0, 1, 2, 2, 3, 4))):
                            action_id += 1
                            agreed = min(end, opened + rng.randint(0, 200))
                            done = rng.random() < 0.6
                            kind = rng.choice(("police", "probation", "housing", "childrens_social_care"))
                            actions.append(
                                f"{action_id}\t{self.stamp(agreed)}\t{self.stamp(agreed)}\tbench action\t"
                                f"{self.days[agreed + 28]}\t{'done' if done else 'open'}\t\t"
                                f"{self.days[agreed + 20] if done else chr(92) + 'N'}\t[]\t{self.days[agreed]}\t\t"
                                f"{county.agencies[kind]}\t{panel_id}\n"
                            )
        tracked = ("id", "created_at", "updated_at")
        self.copy(
            "perpetrator_panel_panelcase",
            (
                *tracked,
                "reference",
                "opened_on",
                "reasons",
                "reasons_detail",
                "entry_score",
                "entry_score_parts",
                "score_now",
                "score_now_parts",
                "score_now_on",
                "stalking",
                "strangulation",
                "violence_against_parent",
                "no_fixed_abode",
                "status",
                "status_changed_on",
                "exited_on",
                "exit_score",
                "perpetrator_id",
            ),
            iter(cases),
        )
        self.copy("perpetrator_panel_panelcase_cases", ("panelcase_id", "case_id"), iter(links))
        self.copy(
            "perpetrator_panel_panelaction",
            (
                *tracked,
                "description",
                "due_on",
                "status",
                "not_done_reason",
                "completed_on",
                "updates",
                "agreed_on",
                "compliance",
                "assigned_agency_id",
                "panel_case_id",
            ),
            iter(actions),
        )

    def reviews(self) -> None:
        rng = self.random_for("reviews")
        with self.db.cursor() as cursor:
            cursor.execute("SELECT id FROM dhr_stage ORDER BY position")
            stages = [row[0] for row in cursor.fetchall()]
        rows = []
        review_id = 0
        end = self.last_day.toordinal()
        decisions = ("commission",) * 6 + ("not_commissioned", "not_commissioned", "child_death_review", "pending")
        for county in self.counties:
            for year in self.years:
                first, last = self.fy_range(year)
                for _ in range(stochastic_round(REVIEWS * self.scale / self.n_counties, rng)):
                    review_id += 1
                    notified = rng.randint(first, last)
                    death = notified - rng.randint(1, 60)
                    decision = rng.choice(decisions)
                    decided = "\\N" if decision == "pending" else self.days[min(end, notified + 30)]
                    area = rng.choice([county.id] + [d.id for d in county.districts])
                    stamp = self.stamp(notified)
                    rows.append(
                        f"{review_id}\t{stamp}\t{stamp}\tDHR-B-{review_id:06d}\t"
                        f"{rng.choice(('female', 'female', 'male'))}\t"
                        f"35_44\t{rng.choice(('partner', 'ex_partner', 'parent', 'none_known'))}\t"
                        f"{rng.choice(('homicide', 'homicide', 'suicide', 'other'))}\t{self.days[death]}\t"
                        f"{self.days[notified]}\t\t{decision}\t{decided}\t\tf\t\t\t{self.days[notified]}\t\t\t{area}\t"
                        f"{county.agencies['police']}\t{rng.choice(stages)}\n"
                    )
        self.copy(
            "dhr_review",
            (
                "id",
                "created_at",
                "updated_at",
                "reference",
                "deceased_gender",
                "deceased_age_band",
                "relationship",
                "death_type",
                "date_of_death",
                "notified_on",
                "notification_notes",
                "decision",
                "decision_on",
                "decision_rationale",
                "criminal_proceedings_pending",
                "independent_chair",
                "author",
                "stage_entered_on",
                "publication_url",
                "overdue_notified",
                "community_safety_partnership_id",
                "notified_by_id",
                "stage_id",
            ),
            iter(rows),
        )

    # -- reporting: population, service returns ---------------------------------------------------------
    def population(self) -> None:
        rows = []
        n = 0
        # A district's population is the same whatever the scale: more data means more people.
        per_district = round(DISTRICT_POPULATION * self.unit)
        for county in self.counties:
            for district in county.districts:
                for year in range(2010, LAST_FINANCIAL_YEAR + 2):
                    n += 1
                    all_ages = round(per_district * (1 + 0.008 * (year - 2020)))
                    rows.append(
                        f"{n}\t2019-01-01 00:00:00+00\t2019-01-01 00:00:00+00\t{year}\t{all_ages}\t"
                        f"{round(all_ages * 0.415)}\tbench\t{district.id}\n"
                    )
        self.copy(
            "reporting_populationestimate",
            ("id", "created_at", "updated_at", "year", "all_ages", "adult_females", "source", "area_id"),
            iter(rows),
        )

    def service_returns(self) -> None:
        rng = self.random_for("services")
        with self.db.cursor() as cursor:
            cursor.execute("SELECT id, code, provider_kinds, part_of_id, subset_of_id FROM reporting_servicemetric")
            metrics = cursor.fetchall()
        parts: dict[int, list[int]] = {}
        for metric_id, _code, _kinds, part_of, _subset in metrics:
            if part_of is not None:
                parts.setdefault(part_of, []).append(metric_id)
        rows = []
        n = 0
        quarters = [
            (date(y, m, 1), date(y + (m + 3 > 12), (m + 2) % 12 + 1, 1) - timedelta(days=1))
            for y in self.years
            for m in (4, 7, 10)
        ] + [(date(y + 1, 1, 1), date(y + 1, 3, 31)) for y in self.years]
        for county in self.counties:
            for start, end in quarters:
                values: dict[int, int] = {}
                for metric_id, _code, _kinds, part_of, subset_of in metrics:
                    if part_of is None and subset_of is None and metric_id not in parts:
                        values[metric_id] = rng.randint(20, 400) * max(1, round(self.scale / self.n_counties))
                for metric_id, _code, _kinds, part_of, _subset in metrics:
                    if part_of is not None:
                        values[metric_id] = rng.randint(10, 200) * max(1, round(self.scale / self.n_counties))
                for total, members in parts.items():
                    values[total] = sum(values[m] for m in members)
                for metric_id, _code, _kinds, _part_of, subset_of in metrics:
                    if subset_of is not None:
                        values[metric_id] = values[subset_of] // 4
                for metric_id, _code, kinds, _part_of, _subset in metrics:
                    n += 1
                    kind = kinds[0] if kinds else "idva_service"
                    stamp = f"{end.isoformat()} 12:00:00+00"
                    rows.append(
                        f"{n}\t{stamp}\t{stamp}\t{start.isoformat()}\t{end.isoformat()}\t{values[metric_id]}\t\t"
                        f"{county.agencies.get(kind, county.agencies['idva_service'])}\t{county.id}\t{metric_id}\n"
                    )
        self.copy(
            "reporting_servicereturn",
            (
                "id",
                "created_at",
                "updated_at",
                "period_start",
                "period_end",
                "value",
                "notes",
                "agency_id",
                "area_id",
                "metric_id",
            ),
            iter(rows),
        )

    # -- the whole run -------------------------------------------------------------------------------------
    def run(self) -> None:
        tracked = ("id", "created_at", "updated_at")
        with self.db.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        self.areas_and_agencies()
        self.plan_cases()
        self.referral_id = 0
        self.errors: list[BaseException] = []

        def cases(connection: Any) -> None:
            self.copy(
                "cases_case",
                (
                    *tracked,
                    "reference",
                    "opened_on",
                    "closed_on",
                    "status",
                    "stalking",
                    "strangulation",
                    "honour_based_abuse",
                    "forced_marriage",
                    "sexual_violence",
                    "pregnancy",
                    "area_id",
                    "lead_agency_id",
                    "victim_id",
                ),
                self.case_lines(),
                connection,
            )

        def incidents(connection: Any) -> None:
            self.copy(
                "cases_incident",
                (
                    *tracked,
                    "occurred_on",
                    "is_crime",
                    "crime_type",
                    "source_reference",
                    "case_id",
                    "reported_to_id",
                    "perpetrator_id",
                ),
                self.incident_lines(),
                connection,
            )

        def people(connection: Any) -> None:
            self.copy(
                "cases_person",
                (
                    *tracked,
                    "given_name",
                    "family_name",
                    "aliases",
                    "date_of_birth",
                    "gender",
                    "ethnicity",
                    "sexuality",
                    "disability",
                    "trans",
                    "first_language",
                    "interpreter_needed",
                    "nationality_group",
                    "no_fixed_abode",
                ),
                self.person_lines(),
                connection,
            )
            self.copy(
                "cases_caseparty", (*tracked, "relationship", "case_id", "person_id"), self.party_lines(), connection
            )
            self.copy(
                "cases_child", (*tracked, "age", "gender", "relationship", "case_id"), self.child_lines(), connection
            )

        def referrals(connection: Any) -> None:
            closures: list[str] = []
            self.copy("referrals_referral", self.REFERRAL_COLUMNS, self.idva_referral_lines(closures), connection)
            self.copy(
                "referrals_closure",
                (
                    *tracked,
                    "risk_reduced_idva_view",
                    "risk_reduced_victim_view",
                    "criminal_justice_outcome",
                    "civil_justice_outcome",
                    "housing_outcome",
                    "notes",
                    "referral_id",
                ),
                self.closure_lines(closures),
                connection,
            )
            del closures
            meetings: list[str] = []
            items: list[str] = []
            self.copy(
                "referrals_referral",
                self.REFERRAL_COLUMNS,
                self.meeting_and_referral_lines(meetings, items),
                connection,
            )
            self.copy(
                "marac_maracmeeting",
                (
                    *tracked,
                    "kind",
                    "starts_at",
                    "capacity",
                    "capacity_override_reason",
                    "status",
                    "cancellation_reason",
                    "confidentiality_confirmed",
                    "area_id",
                ),
                iter(meetings),
                connection,
            )
            del meetings
            self.copy(
                "marac_agendaitem",
                (
                    *tracked,
                    "position",
                    "has_children",
                    "is_repeat",
                    "twelve_month_notice",
                    "outcome",
                    "deferred_reason",
                    "discussion_summary",
                    "risk_after_discussion",
                    "referral_id",
                    "meeting_id",
                    "position_pinned",
                ),
                iter(items),
                connection,
            )

        # Two lanes of about the same PostgreSQL work each (the incidents alone are a third of it).
        lanes = [self.lane([cases, incidents]), self.lane([people, referrals])]
        for thread in lanes:
            thread.join()
        if self.errors:
            raise SystemExit(f"loading failed: {self.errors[0]!r}")
        self.panel()
        self.reviews()
        self.population()
        self.service_returns()
        with self.db.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            # Sequences past the ids given here, so the application can add rows afterwards.
            for table in sorted(self.counts):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        self.db.commit()


FOREIGN_KEYS_SQL = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
"""


def verify_foreign_keys(connection, tables: list[str]) -> int:
    """Every foreign key of the filled tables points at a row: count the orphans (none expected)."""
    orphans = 0
    with connection.cursor() as cursor:
        cursor.execute(FOREIGN_KEYS_SQL, (tables,))
        for table, column, target in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {target} p WHERE p.id = t.{column})"
            )
            n = cursor.fetchone()[0]
            if n:
                log(f"  ORPHANS: {n} rows of {table}.{column} point nowhere in {target}")
            orphans += n
    return orphans


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(scale: float) -> str:
    return "dasv_bench_s" + (f"{scale:g}".replace(".", "_"))


def create_database(url: str, name: str, *, replace: bool) -> str:
    """Create the benchmark database (refusing to reuse one unless asked) and migrate it."""
    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone():
            if not replace:
                raise SystemExit(f"database {name} exists: pass --replace to drop it and generate again")
            cursor.execute(f'DROP DATABASE "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    target = with_database(url, name)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"],
        check=True,
        env={**os.environ, "DATABASE_URL": target},
        cwd=ROOT,
    )
    log(f"migrated {name} in {time.perf_counter() - started:.1f} s")
    return target


def generate(
    url: str,
    *,
    scale: float,
    years: int,
    seed: int = 8,
    replace: bool = False,
    verify: bool = True,
    on_log: Callable[[str], None] = log,
) -> dict:
    """Create, migrate and fill the benchmark database for a scale; returns a summary (with its URL)."""
    name = database_name(scale)
    target = create_database(url, name, replace=replace)
    connection = psycopg2.connect(target)
    started = time.perf_counter()
    generator = Generator(connection, scale=scale, years=years, seed=seed)
    on_log(
        f"generating scale {scale:g}, {years} financial years ({generator.years[0]}-{generator.years[-1] + 1}), "
        f"{generator.n_counties} counties of {DISTRICTS_PER_COUNTY} districts, into {name}"
    )
    generator.run()
    loaded = time.perf_counter() - started
    analyse_started = time.perf_counter()
    connection.autocommit = True
    with connection.cursor() as cursor:
        # VACUUM as well: the visibility map a live database's autovacuum keeps (index-only scans need it).
        cursor.execute("VACUUM (ANALYZE)")
    analysed = time.perf_counter() - analyse_started
    orphans = None
    verified = 0.0
    if verify:
        verify_started = time.perf_counter()
        orphans = verify_foreign_keys(connection, sorted(generator.counts))
        verified = time.perf_counter() - verify_started
        if orphans:
            raise SystemExit(f"{orphans} rows with a dangling foreign key")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    connection.close()
    summary = {
        "database": name,
        "url": target,
        "scale": scale,
        "years": years,
        "financial_years": [f"{y}-{str(y + 1)[2:]}" for y in generator.years],
        "counties": generator.n_counties,
        "districts": generator.n_counties * DISTRICTS_PER_COUNTY,
        "rows": dict(sorted(generator.counts.items())),
        "total_rows": sum(generator.counts.values()),
        "load_seconds": round(loaded, 1),
        "vacuum_analyze_seconds": round(analysed, 1),
        "verify_seconds": round(verified, 1),
        "database_bytes": size,
    }
    on_log(
        f"loaded {summary['total_rows']:,} rows in {loaded:.1f} s, VACUUM ANALYZE {analysed:.1f} s, "
        f"foreign keys checked in {verified:.1f} s; database {size / 2**30:.2f} GiB"
    )
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the seed partnership, 100 = national")
    parser.add_argument("--years", type=int, default=4, help="financial years, the last being 2022-23")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--replace", action="store_true", help="drop the benchmark database if it exists")
    parser.add_argument("--no-verify", action="store_true", help="skip the foreign key check after loading")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must point at a PostgreSQL server (run under scripts/with-services.sh)")
    summary = generate(
        url, scale=args.scale, years=args.years, seed=args.seed, replace=args.replace, verify=not args.no_verify
    )
    print(summary["url"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
