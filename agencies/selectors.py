"""Reads for agencies, staff and agency object permissions, always starting from the actor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db import models
from django.db.models import Prefetch, QuerySet
from guardian.utils import get_group_obj_perms_model

from agencies.models import ROLE_NAMES, Agency, AgencyObjectPermission, User

if TYPE_CHECKING:
    from agencies.actors import Actor

M = TypeVar("M", bound=models.Model)


def agency_list(*, actor: Actor) -> QuerySet[Agency]:
    """The directory of active agencies: who is in the partnership is not confidential."""
    return Agency.objects.filter(active=True).prefetch_related("areas").order_by("name")


def staff_list(*, actor: Actor, role: str | None = None) -> QuerySet[User]:
    """Active users of the actor's own agency, optionally holding one role."""
    queryset = (
        User.objects.filter(agency=actor.agency, is_active=True)
        .prefetch_related(Prefetch("groups"))
        .order_by("family_name", "given_name", "pk")
    )
    if role is not None:
        if role not in ROLE_NAMES:
            raise ValueError(f"Unknown role {role!r}.")
        queryset = queryset.filter(groups__name=role)
    return queryset


def _permission_rows(*, agency: Agency, perm: str, model: type[models.Model]) -> QuerySet:
    # guardian accepts a model class as well as an instance (its annotation says instance only).
    permission_model = get_group_obj_perms_model(cast(Any, model))
    if not issubclass(permission_model, AgencyObjectPermission):
        raise TypeError(f"{model._meta.label} has no direct object-permission table.")
    codename = perm.split(".", 1)[-1]
    return permission_model.objects.filter(group_id=agency.group_id, permission__codename=codename)


def agency_has_object_permission(*, agency: Agency, perm: str, obj: models.Model) -> bool:
    """True when the agency's group holds `perm` ("app.codename" or "codename") on obj."""
    return _permission_rows(agency=agency, perm=perm, model=type(obj)).filter(content_object=obj).exists()


def objects_for_agency(*, agency: Agency, perm: str, queryset: QuerySet[M]) -> QuerySet[M]:
    """Narrow a queryset to the objects on which the agency holds `perm` (one SQL subquery)."""
    rows = _permission_rows(agency=agency, perm=perm, model=queryset.model)
    return queryset.filter(pk__in=rows.values("content_object_id"))
