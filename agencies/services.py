"""Writes for agencies, users, roles, API keys and agency object permissions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.utils import get_group_obj_perms_model

from agencies.actors import actor_user
from agencies.models import ROLE_NAMES, Agency, AgencyAction, AgencyObjectPermission, ApiKey, Area, Role, User
from audit.models import AccessLog
from audit.services import access_log_record

# last_used_at is a guide for administrators, not an audit record: one write a minute is enough.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


def area_create(*, name: str, slug: str, kind: str, parent: Area | None = None, by: User | None = None) -> Area:
    """Create an area."""
    area = Area(name=name, slug=slug, kind=kind, parent=parent, created_by=by, updated_by=by)
    area.full_clean()
    area.save()
    return area


@transaction.atomic
def agency_save(*, agency: Agency, by: User | None = None) -> Agency:
    """Create or update an agency, keeping its permission group named after its slug."""
    group_name = Agency.group_name_for(agency.slug)
    if agency.group_id is None:
        agency.group, _ = Group.objects.get_or_create(name=group_name)
        agency.created_by = by
    elif agency.group.name != group_name:
        agency.group.name = group_name
        agency.group.save(update_fields=["name"])
    agency.updated_by = by
    agency.full_clean()
    agency.save()
    return agency


def agency_create(
    *,
    name: str,
    slug: str,
    kind: str,
    areas: Iterable[Area] = (),
    is_marac_member: bool = False,
    by: User | None = None,
) -> Agency:
    """Create an agency with its own permission group, serving the given areas."""
    with transaction.atomic():
        agency = agency_save(agency=Agency(name=name, slug=slug, kind=kind, is_marac_member=is_marac_member), by=by)
        agency.areas.set(areas)
    return agency


def _role_groups(roles: Iterable[str]) -> list[Group]:
    wanted = set(roles)
    unknown = wanted - ROLE_NAMES
    if unknown:
        raise ValidationError({"roles": [f"Unknown role: {', '.join(sorted(unknown))}."]})
    return list(Group.objects.filter(name__in=wanted))


@transaction.atomic
def user_create(
    *,
    email: str,
    given_name: str,
    family_name: str,
    agency: Agency,
    roles: Iterable[str] = (),
    password: str | None = None,
    specialist_post: str = "",
    by: User | None = None,
) -> User:
    """Create a user of an agency with the given roles. Without a password the user cannot sign in."""
    user = User(
        email=email.strip().lower(),
        given_name=given_name,
        family_name=family_name,
        agency=agency,
        specialist_post=specialist_post,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    user_roles_set(user=user, roles=roles, by=by)
    return user


@transaction.atomic
def user_roles_set(*, user: User, roles: Iterable[str], by: User | None = None) -> User:
    """Replace a user's roles. Partnership administrators get the administration site."""
    roles = set(roles)
    groups = _role_groups(roles)
    user.groups.set(groups)
    user_staff_sync(user=user)
    if hasattr(user, "_roles_cache"):
        del user._roles_cache
    return user


def user_staff_sync(*, user: User) -> None:
    """Staff status follows the partnership administrator role (superusers keep theirs)."""
    is_admin = user.groups.filter(name=Role.PARTNERSHIP_ADMIN).exists()
    if not user.is_superuser and user.is_staff != is_admin:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])


@transaction.atomic
def user_deactivate(*, user: User, by: User | None = None) -> User:
    """Deactivate a user: every session of theirs stops working at its next request.

    The authentication backend refuses inactive users when it reloads the session's user, so no
    session needs to be found and deleted; their API access (sessions only) ends with it.
    """
    user.is_active = False
    user.save(update_fields=["is_active"])
    access_log_record(action=AccessLog.Action.USER_DEACTIVATED, actor=by, obj=user)
    return user


@transaction.atomic
def api_key_create(
    *,
    agency: Agency,
    name: str,
    scope: str = ApiKey.Scope.WRITE,
    expires_at: datetime | None = None,
    by: User | None = None,
) -> tuple[ApiKey, str]:
    """Create an API key for an agency; returns the key object and the key itself (shown once)."""
    if scope not in ApiKey.Scope.values:
        raise ValidationError({"scope": [f"Scope must be one of: {', '.join(ApiKey.Scope.values)}."]})
    if not agency.active:
        raise ValidationError({"agency": ["This agency is not active."]})
    api_key = ApiKey(agency=agency, name=name, scope=scope, expiry_date=expires_at, created_by=by)
    key = ApiKey.objects.assign_key(api_key)
    api_key.full_clean()
    api_key.save()
    access_log_record(action=AccessLog.Action.API_KEY_CREATED, actor=by, obj=api_key, detail={"agency": agency.slug})
    return api_key, key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, by: User | None = None) -> ApiKey:
    """Revoke an API key; it can never be used again."""
    api_key.revoked = True
    api_key.save(update_fields=["revoked"])
    access_log_record(action=AccessLog.Action.API_KEY_REVOKED, actor=by, obj=api_key)
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record that a key was used (at most once a minute, to spare the database)."""
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def _direct_permission_model(obj: models.Model) -> type[AgencyObjectPermission]:
    """The direct foreign-key permission table of obj's model; generic tables are refused."""
    model = get_group_obj_perms_model(obj)
    if not issubclass(model, AgencyObjectPermission):
        raise ImproperlyConfigured(
            f"{obj._meta.label} has no direct object-permission table built on AgencyObjectPermission."
        )
    return model


def _permission(obj: models.Model, perm: str) -> Permission:
    codename = perm.split(".", 1)[-1]
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    try:
        return Permission.objects.get(content_type=content_type, codename=codename)
    except Permission.DoesNotExist:
        raise ImproperlyConfigured(f"No permission {codename!r} on {obj._meta.label}.") from None


@transaction.atomic
def object_permission_grant(
    *,
    agency: Agency,
    perm: str,
    obj: models.Model,
    reason: str,
    by: Any = None,
) -> AgencyObjectPermission:
    """Give an agency a permission on one object, recording why (in the row and the access log).

    Granting a permission the agency already holds updates the reason and keeps one row.
    """
    if not reason.strip():
        raise ValidationError({"reason": ["Say why this agency gets access."]})
    # The concrete tables declare content_object; the abstract base cannot, hence Any.
    rows: Any = _direct_permission_model(obj).objects
    granted_by = actor_user(by)
    row, _ = rows.update_or_create(
        group=agency.group,
        permission=_permission(obj, perm),
        content_object=obj,
        defaults={"reason": reason, "granted_at": timezone.now(), "granted_by": granted_by},
    )
    access_log_record(
        action=AccessLog.Action.PERMISSION_GRANT,
        actor=by,
        obj=obj,
        detail={"agency": agency.slug, "permission": perm, "reason": reason},
    )
    return row


@transaction.atomic
def object_permission_revoke(
    *,
    agency: Agency,
    perm: str,
    obj: models.Model,
    reason: str,
    by: Any = None,
) -> bool:
    """Take a permission on one object away from an agency; True when there was one to take."""
    rows: Any = _direct_permission_model(obj).objects
    deleted, _ = rows.filter(group=agency.group, permission=_permission(obj, perm), content_object=obj).delete()
    if deleted:
        access_log_record(
            action=AccessLog.Action.PERMISSION_REVOKE,
            actor=by,
            obj=obj,
            detail={"agency": agency.slug, "permission": perm, "reason": reason},
        )
    return bool(deleted)


BACKUP_CODE_COUNT = 10


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app device a user is setting up (created on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def two_factor_enrol(*, device: TOTPDevice, by: User) -> list[str]:
    """Confirm a verified authenticator app and issue fresh backup codes (returned once, to show)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    StaticDevice.objects.filter(user=device.user).delete()
    backup = StaticDevice.objects.create(user=device.user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    access_log_record(action=AccessLog.Action.TWO_FACTOR_ENROLLED, actor=by, obj=device.user)
    return codes


# --- Actions assigned to agencies (MARAC, perpetrator panel, DHR action plans) ----------------------


def _action_by(actor: Any, action: AgencyAction) -> str:
    """Who is acting on an action, for its progress notes; only its own agency may act."""
    if actor.agency.pk != action.assigned_agency.pk:
        raise PermissionDenied("Only the agency the action is assigned to may update it.")
    user = actor_user(actor)
    return f"{user.get_full_name()}, {actor.agency.name}" if user else f"A system of {actor.agency.name}"


def _status_words(action: AgencyAction) -> str:
    return AgencyAction.Status(action.status).label.lower()


def _action_note(action: AgencyAction, *, on: date, by: str, text: str) -> None:
    action.updates = [*action.updates, {"on": on.isoformat(), "by": by, "text": text}]


def _action_save(action: AgencyAction, actor: Any) -> AgencyAction:
    action.updated_by = actor_user(actor)
    action.full_clean()
    action.save()
    return action


def _action_locked(action: AgencyAction) -> AgencyAction:
    # Abstract base: each concrete table has its own manager.
    manager: Any = type(action)._default_manager
    return cast(AgencyAction, manager.select_for_update(of=("self",)).get(pk=action.pk))


@transaction.atomic
def agency_action_update(*, actor: Any, action: AgencyAction, text: str, on: date | None = None) -> AgencyAction:
    """Add a progress note to an open action."""
    action = _action_locked(action)
    by = _action_by(actor, action)
    if action.status != AgencyAction.Status.OPEN:
        raise ValidationError(
            {NON_FIELD_ERRORS: [f"The action is {AgencyAction.Status(action.status).label.lower()}."]}
        )
    if not text.strip():
        raise ValidationError({"text": ["Say what has been done."]})
    on = on or timezone.localdate()
    _action_date_checks(action, on)
    _action_note(action, on=on, by=by, text=text.strip())
    return _action_save(action, actor)


@transaction.atomic
def agency_action_complete(*, actor: Any, action: AgencyAction, on: date, note: str = "") -> AgencyAction:
    """Record an open action as done, on the day it was done."""
    action = _action_locked(action)
    by = _action_by(actor, action)
    _action_close_checks(action, on)
    action.status = AgencyAction.Status.DONE
    action.completed_on = on
    _action_note(action, on=on, by=by, text=note.strip() or "Done.")
    return _action_save(action, actor)


@transaction.atomic
def agency_action_not_done(*, actor: Any, action: AgencyAction, reason: str, on: date, note: str = "") -> AgencyAction:
    """Record an open action as not done, with why: circumstances changed, or the agency did not act."""
    action = _action_locked(action)
    by = _action_by(actor, action)
    _action_close_checks(action, on)
    if reason not in AgencyAction.NotDoneReason.values:
        raise ValidationError({"reason": ["Choose why the action was not done."]})
    action.status = AgencyAction.Status.NOT_DONE
    action.not_done_reason = reason
    action.completed_on = on
    _action_note(action, on=on, by=by, text=note.strip() or AgencyAction.NotDoneReason(reason).label + ".")
    return _action_save(action, actor)


def _action_close_checks(action: AgencyAction, on: date) -> None:
    if action.status != AgencyAction.Status.OPEN:
        raise ValidationError(
            {NON_FIELD_ERRORS: [f"The action is already {AgencyAction.Status(action.status).label.lower()}."]}
        )
    _action_date_checks(action, on)


def _action_date_checks(action: AgencyAction, on: date) -> None:
    if on > timezone.localdate():
        raise ValidationError({"on": ["The date cannot be in the future."]})
    if on < action.agreed_day():
        raise ValidationError({"on": ["The date cannot be before the action was agreed."]})
