"""Factories for areas, agencies, users and API keys, built through the services."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.hashers import make_password
from faker import Faker

from agencies.models import Agency, ApiKey, Area, User
from agencies.services import agency_save, api_key_create, user_roles_set

factory.Faker._DEFAULT_LOCALE = "en_GB"
TEST_PASSWORD = "a-long-test-password-1"
# Hashing with Argon2 once, not once per user, keeps the suite fast.
_TEST_PASSWORD_HASH = make_password(TEST_PASSWORD)
_fake = Faker("en_GB")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")
    kind = Area.Kind.COUNTY


class AgencyFactory(factory.django.DjangoModelFactory):
    """An agency with its permission group (through agency_save), serving one area."""

    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"{_fake.city()} Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    kind = Agency.Kind.POLICE
    is_marac_member = True

    @classmethod
    def _create(cls, model_class: type[Agency], *args: Any, **kwargs: Any) -> Agency:
        areas = kwargs.pop("areas", None)
        agency = agency_save(agency=model_class(*args, **kwargs))
        agency.areas.set(areas if areas is not None else [AreaFactory()])
        return agency


class UserFactory(factory.django.DjangoModelFactory):
    """A user; pass `roles=[...]` for their roles (default: none)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    agency = factory.SubFactory(AgencyFactory)
    password = _TEST_PASSWORD_HASH

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            user_roles_set(user=self, roles=extracted)


def api_key_for(agency: Agency, *, scope: str = ApiKey.Scope.WRITE, **kwargs: Any) -> tuple[ApiKey, str]:
    """An API key for the agency, and the key to send."""
    return api_key_create(agency=agency, name=kwargs.pop("name", "Test system"), scope=scope, **kwargs)
