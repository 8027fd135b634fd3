"""Who is acting: a signed-in user, or an agency's system calling with an API key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from agencies.models import Agency, ApiKey, User


class Actor(Protocol):
    """What selectors and services need to know about whoever is acting."""

    @property
    def agency(self) -> Agency: ...

    @property
    def roles(self) -> frozenset[str]: ...

    def has_role(self, *roles: str) -> bool: ...


@dataclass(frozen=True)
class ApiKeyActor:
    """A request authenticated by an API key: it acts as the key's agency, with no personal role."""

    api_key: ApiKey
    roles: frozenset[str] = field(default_factory=frozenset)
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True
    is_staff: bool = False
    pk: None = None

    @property
    def agency(self) -> Agency:
        return self.api_key.agency

    @property
    def can_write(self) -> bool:
        return self.api_key.can_write

    def has_role(self, *roles: str) -> bool:
        return False

    def __str__(self) -> str:
        return f"API key {self.api_key.name!r} of {self.agency}"


def actor_user(actor: object) -> User | None:
    """The person acting, for created_by / granted_by: the user, or None for an agency's API key."""
    from agencies.models import User

    return actor if isinstance(actor, User) else None
