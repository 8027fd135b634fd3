"""The demo partnership's ground floor: its area, agencies and a user for every role.

Synthetic data only. The demo password, TOTP secret and backup codes are published in the README on
purpose; `seed_demo` refuses to run in production so these users can never exist in a real deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from agencies.models import Agency, Area, Role, User
from agencies.services import agency_save, user_roles_set

DEMO_AREA_SLUG = "demo-county"
DEMO_PASSWORD = "demo-county-2026"  # noqa: S105 - published on purpose, demo only
# RFC 4226's test secret ("12345678901234567890"); base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_BACKUP_CODES = ("demo0001", "demo0002", "demo0003", "demo0004", "demo0005")
DEMO_EMAIL_DOMAIN = "demo.dasv.test"

AGENCIES: list[tuple[str, str, str, bool]] = [
    # slug, name, kind, MARAC member
    ("police", "Demo County Police", Agency.Kind.POLICE, True),
    ("idva-service", "Demo County IDVA Service", Agency.Kind.IDVA_SERVICE, True),
    ("childrens-social-care", "Demo County Children's Social Care", Agency.Kind.CHILDRENS_SOCIAL_CARE, True),
    ("health", "Demo Hospitals NHS Foundation Trust", Agency.Kind.HEALTH, True),
    ("housing", "Demo District Council Housing", Agency.Kind.HOUSING, True),
    ("adult-safeguarding", "Demo County Adult Safeguarding (MASH)", Agency.Kind.ADULT_SAFEGUARDING, True),
    ("probation", "Demo Probation Delivery Unit", Agency.Kind.PROBATION, True),
    ("refuge", "Demo Women's Aid Refuge", Agency.Kind.REFUGE, True),
    ("outreach", "Demo Outreach Service", Agency.Kind.OUTREACH, False),
    ("victim-hub", "Demo Victim and Witness Hub", Agency.Kind.VICTIM_HUB, False),
    ("isva-service", "Demo Rape Crisis and ISVA Service", Agency.Kind.ISVA_SERVICE, False),
    ("substance-misuse", "Demo Recovery Service", Agency.Kind.SUBSTANCE_MISUSE, True),
    ("mental-health", "Demo Mental Health Partnership", Agency.Kind.MENTAL_HEALTH, True),
    ("education", "Demo County Education Safeguarding", Agency.Kind.EDUCATION, True),
    ("community", "Demo Community Domestic Abuse Project", Agency.Kind.COMMUNITY, False),
    ("dasv-partnership", "Demo County DASV Partnership Team", Agency.Kind.OTHER, False),
]

USERS: list[tuple[str, str, list[str], str]] = [
    # email local part, agency slug, roles, specialist post
    ("idva", "idva-service", [Role.IDVA], ""),
    ("idva.young-people", "idva-service", [Role.IDVA], User.SpecialistPost.YOUNG_PEOPLE),
    ("idva.a8", "idva-service", [Role.IDVA], User.SpecialistPost.A8),
    ("idva.health", "idva-service", [Role.IDVA], User.SpecialistPost.HEALTH),
    ("idva.stalking", "idva-service", [Role.IDVA], User.SpecialistPost.STALKING),
    # The rest of a team of 15.4 FTE, as in the seed report: second Young People's and A8 posts, and
    # generic IDVAs (team09 part-time: IDVA_PART_TIME).
    ("idva.young-people.2", "idva-service", [Role.IDVA], User.SpecialistPost.YOUNG_PEOPLE),
    ("idva.a8.2", "idva-service", [Role.IDVA], User.SpecialistPost.A8),
    *[(f"idva.team{number:02d}", "idva-service", [Role.IDVA], "") for number in range(1, 10)],
    ("idva.manager", "idva-service", [Role.IDVA_MANAGER], ""),
    ("marac.coordinator", "idva-service", [Role.MARAC_COORDINATOR], ""),
    ("police", "police", [Role.AGENCY_REP], ""),
    ("childrens.services", "childrens-social-care", [Role.AGENCY_REP], ""),
    ("health", "health", [Role.AGENCY_REP], ""),
    ("housing", "housing", [Role.AGENCY_REP], ""),
    ("panel", "police", [Role.PANEL_MEMBER], ""),
    ("dhr", "dasv-partnership", [Role.DHR_COORDINATOR], ""),
    ("analyst", "dasv-partnership", [Role.ANALYST], ""),
    ("admin", "dasv-partnership", [Role.PARTNERSHIP_ADMIN], ""),
]
# Working time of the IDVAs who are not full-time (the rest are): 15.4 FTE in all, as in the seed report.
IDVA_PART_TIME = {"idva.team09": 0.4}


@dataclass
class DemoPartnership:
    area: Area
    agencies: dict[str, Agency]
    users: dict[str, User]


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_EMAIL_DOMAIN}"


def _area() -> Area:
    county, _ = Area.objects.update_or_create(
        slug=DEMO_AREA_SLUG, defaults={"name": "Demo County", "kind": Area.Kind.COUNTY, "parent": None}
    )
    for slug, name in (("demo-north", "Demo North"), ("demo-south", "Demo South")):
        Area.objects.update_or_create(slug=slug, defaults={"name": name, "kind": Area.Kind.DISTRICT, "parent": county})
    return county


def _agencies(area: Area) -> dict[str, Agency]:
    agencies = {}
    for slug, name, kind, member in AGENCIES:
        agency = Agency.objects.filter(slug=slug).first() or Agency(slug=slug)
        agency.name, agency.kind, agency.is_marac_member, agency.active = name, kind, member, True
        agency_save(agency=agency)
        agency.areas.add(area)
        agencies[slug] = agency
    return agencies


def _demo_two_factor(user: User) -> None:
    TOTPDevice.objects.update_or_create(
        user=user, name="Demo authenticator", defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True}
    )
    backup, _ = StaticDevice.objects.get_or_create(user=user, name="Demo backup codes", defaults={"confirmed": True})
    existing = set(backup.token_set.values_list("token", flat=True))
    StaticToken.objects.bulk_create(
        StaticToken(device=backup, token=code) for code in DEMO_BACKUP_CODES if code not in existing
    )


def _users(agencies: dict[str, Agency]) -> dict[str, User]:
    fake = Faker("en_GB")
    fake.seed_instance(2026)
    password_hash = make_password(DEMO_PASSWORD)  # hashing once keeps the seed quick
    users = {}
    for local_part, agency_slug, roles, specialist_post in USERS:
        given_name, family_name = fake.first_name(), fake.last_name()
        email = demo_email(local_part)
        user = User.objects.filter(email=email).first() or User(
            email=email, given_name=given_name, family_name=family_name
        )
        user.agency = agencies[agency_slug]
        user.specialist_post = specialist_post
        user.is_active = True
        user.password = password_hash
        user.save()
        user_roles_set(user=user, roles=roles)
        _demo_two_factor(user)
        users[local_part] = user
    return users


@transaction.atomic
def seed(*, minimal: bool, stdout: TextIO) -> DemoPartnership:
    """Create or refresh the demo area, agencies and users (idempotent)."""
    area = _area()
    agencies = _agencies(area)
    users = _users(agencies)
    stdout.write(f"Demo partnership: {len(agencies)} agencies in {area.name}, {len(users)} users.\n")
    return DemoPartnership(area=area, agencies=agencies, users=users)


def login_help() -> str:
    """How to sign in as each demo user (printed by seed_demo and `make run`)."""
    lines = [
        "Demo sign-in (every user):",
        f"  password      {DEMO_PASSWORD}",
        "  security code the current code from `make demo-code` (or an authenticator app with the",
        "                secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ), or a backup code:",
        f"                {', '.join(DEMO_BACKUP_CODES)} (each works once per seed_demo run)",
        "Demo users:",
    ]
    for local_part, agency_slug, roles, specialist_post in USERS:
        post = f", {specialist_post} post" if specialist_post else ""
        lines.append(f"  {demo_email(local_part):<42} {', '.join(roles)} ({agency_slug}{post})")
    return "\n".join(lines) + "\n"
