"""Areas, agencies, users and their roles, API keys, and the shared bases later apps build on."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager
from simple_history.models import HistoricalRecords


def history_user(request: Any = None, **kwargs: Any) -> Any:
    """The user to record in change history: the signed-in user, never an API key's actor.

    simple-history takes the request's user; with an API key DRF puts an ApiKeyActor there, which is
    not a User (the services record no person as creator for a key either).
    """
    from django.contrib.auth import get_user_model

    user = getattr(request, "user", None)
    return user if isinstance(user, get_user_model()) else None


def tracked_history(**kwargs: Any) -> HistoricalRecords:
    """Change history (django-simple-history) with the history user above."""
    return HistoricalRecords(get_user=history_user, **kwargs)


class Role(models.TextChoices):
    """The roles a user can hold; each is an auth Group of the same name (created by a migration)."""

    IDVA = "idva", "IDVA"
    IDVA_MANAGER = "idva_manager", "IDVA manager"
    MARAC_COORDINATOR = "marac_coordinator", "MARAC coordinator"
    AGENCY_REP = "agency_rep", "Agency representative"
    PANEL_MEMBER = "panel_member", "Perpetrator panel member"
    DHR_COORDINATOR = "dhr_coordinator", "DHR coordinator"
    ANALYST = "analyst", "Analyst"
    PARTNERSHIP_ADMIN = "partnership_admin", "Partnership administrator"


ROLE_NAMES = frozenset(Role.values)


class Tracked(models.Model):
    """Who created and last changed a row, and when: every domain table carries these."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class Area(Tracked):
    """A local authority area (county, unitary or district); each can have its own MARAC."""

    class Kind(models.TextChoices):
        COUNTY = "county", "County"
        UNITARY = "unitary", "Unitary authority"
        DISTRICT = "district", "District"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    history = tracked_history()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("pk")), name="area_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Agency(Tracked):
    """A partner agency. Object permissions are granted to its group, never to single users."""

    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        IDVA_SERVICE = "idva_service", "IDVA service"
        CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
        ADULT_SAFEGUARDING = "adult_safeguarding", "Adult safeguarding"
        HEALTH = "health", "Health"
        HOUSING = "housing", "Housing"
        PROBATION = "probation", "Probation"
        REFUGE = "refuge", "Refuge"
        OUTREACH = "outreach", "Outreach"
        VICTIM_HUB = "victim_hub", "Victim and Witness Hub"
        ISVA_SERVICE = "isva_service", "Rape Crisis / ISVA service"
        SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse service"
        MENTAL_HEALTH = "mental_health", "Mental health service"
        EDUCATION = "education", "Education"
        COMMUNITY = "community", "Community organisation"
        OTHER = "other", "Other"

    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    areas = models.ManyToManyField(Area, related_name="agencies", blank=True)
    is_marac_member = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)

    history = tracked_history(m2m_fields=[areas])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def group_name_for(slug: str) -> str:
        """The name of the auth group that holds an agency's object permissions."""
        return f"agency:{slug}"


class UserManager(BaseUserManager["User"]):
    """Users are identified by email address; every user belongs to an agency."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra_fields: object) -> User:
        if not email:
            raise ValueError("Users must have an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: object) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Roles are Groups named after `Role`; the agency decides what they see."""

    class SpecialistPost(models.TextChoices):
        NONE = "", "None"
        YOUNG_PEOPLE = "young_people", "Young People's IDVA"
        A8 = "a8", "A8 IDVA"
        HEALTH = "health", "Health IDVA"
        STALKING = "stalking", "Stalking and Harassment IDVA"

    email = models.EmailField(max_length=254, unique=True)
    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="users")
    specialist_post = models.CharField(
        max_length=20, choices=SpecialistPost.choices, blank=True, default=SpecialistPost.NONE
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can use the administration site (partnership administrators)."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    history = tracked_history(excluded_fields=["password", "last_login"])

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["given_name", "family_name", "agency"]

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.get_full_name()} <{self.email}>"

    def get_full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_short_name(self) -> str:
        return self.given_name

    @property
    def roles(self) -> frozenset[str]:
        """Role names held, read once per instance (prefetch `groups` in lists)."""
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = frozenset(g.name for g in self.groups.all() if g.name in ROLE_NAMES)
        return self._roles_cache

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of the given roles."""
        return bool(self.roles.intersection(roles))


class ApiKeyManager(APIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # Authentication reads the key's agency on every request.
        return super().get_usable_keys().select_related("agency")


class ApiKey(AbstractAPIKey):
    """An agency's key for system-to-system use. Only the hash is stored; the key is shown once."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_keys")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.WRITE)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects: ClassVar[ApiKeyManager] = ApiKeyManager()
    history = tracked_history(excluded_fields=["last_used_at"])

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class AgencyObjectPermission(GroupObjectPermissionBase):
    """Base of the direct foreign-key object-permission tables (one per protected model).

    A concrete table subclasses this and adds `content_object = ForeignKey(<Model>, CASCADE)`.
    Rows are written only by `agencies.services.object_permission_grant`, which records why.
    """

    reason = models.CharField(max_length=200)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = True


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an `Idempotency-Key`, replayed for 24 hours.

    `caller` ("user:12", "key:<prefix>") identifies who sent the key: nullable user and key columns
    would make a unique constraint over them ineffective, as NULLs never compare equal.
    """

    key = models.CharField(max_length=255)
    caller = models.CharField(max_length=40)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64, help_text="SHA-256 of the raw request body.")
    # Null only inside the transaction of the first request, before its response is known.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_key_unique_per_caller")]

    def __str__(self) -> str:
        return f"{self.caller} {self.method} {self.path} ({self.key})"


class AgencyAction(Tracked):
    """An action assigned to one agency, with a due date and an outcome: the shared base of MARAC actions,
    perpetrator panel actions and DHR action-plan actions (design.md section 2). Each app keeps its own
    concrete table; the transitions are shared services (agencies.services.agency_action_*).

    Responsibility for an action stays with the agency it is assigned to (MARAC is not an agency).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        NOT_DONE = "not_done", "Not done"

    class NotDoneReason(models.TextChoices):
        CIRCUMSTANCES_CHANGED = "circumstances_changed", "Circumstances changed"
        AGENCY_DID_NOT_ACT = "agency_did_not_act", "The agency did not act"

    description = models.TextField()
    assigned_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    not_done_reason = models.CharField(max_length=30, choices=NotDoneReason.choices, blank=True)
    completed_on = models.DateField(null=True, blank=True, help_text="The day it was done, or found not done.")
    # Progress notes, oldest first: [{"on": "2026-03-04", "by": "Name, Agency", "text": "..."}].
    updates = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="open") & models.Q(completed_on__isnull=True) & models.Q(not_done_reason=""))
                | (models.Q(status="done") & models.Q(completed_on__isnull=False) & models.Q(not_done_reason=""))
                | (models.Q(status="not_done") & models.Q(completed_on__isnull=False) & ~models.Q(not_done_reason="")),
                name="%(app_label)s_%(class)s_outcome_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assigned_agency}: {self.description[:60]}"

    def is_overdue(self, today: Any) -> bool:
        return self.status == self.Status.OPEN and self.due_on < today

    def agreed_day(self) -> date:
        """The day the action was agreed, which nothing about it can precede: by default the local day it was
        recorded (an action recorded at 00:30 in summer is 23:30 UTC the day before); apps that record the
        day agreed (a meeting's, or between meetings) override it."""
        return timezone.localdate(self.created_at)
