"""API permission classes. The default is DenyAll: every view declares what it needs."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class DenyAll(BasePermission):
    """The default: a view that forgets to declare its permissions is closed to everyone."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class IsAgencyActor(BasePermission):
    """A signed-in user or an agency's key; a read-scoped key may only read."""

    message = "Your API key may only read."

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = request.user
        if not (actor and actor.is_authenticated):
            return False
        api_key = getattr(actor, "api_key", None)
        return api_key is None or api_key.can_write or request.method in SAFE_METHODS


def has_role(*roles: str) -> type[BasePermission]:
    """A permission class admitting signed-in users holding any of the roles (never API keys)."""

    class HasRole(BasePermission):
        message = "Your role does not allow this."

        def has_permission(self, request: Request, view: Any) -> bool:
            actor = request.user
            return bool(actor and actor.is_authenticated and actor.has_role(*roles))

    HasRole.__name__ = f"HasRole_{'_'.join(roles)}"
    return HasRole
