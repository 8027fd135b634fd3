"""API authentication: an agency's key (`Authorization: Api-Key <key>`) or a verified browser session."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from agencies.actors import ApiKeyActor
from agencies.models import ApiKey
from agencies.services import api_key_touch


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """A valid, unrevoked, unexpired key of an active agency; the request acts as that agency."""

    keyword = KeyParser.keyword

    def authenticate(self, request: Request) -> tuple[ApiKeyActor, ApiKey] | None:
        key = KeyParser().get(request._request)
        if key is None:
            return None
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if not api_key.agency.active:
            raise exceptions.AuthenticationFailed("This API key's agency is not active.")
        api_key_touch(api_key=api_key)
        return ApiKeyActor(api_key=api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """A browser session, only when it was verified with a second factor (CSRF enforced by DRF)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        if not user.is_verified():
            return None
        return result
