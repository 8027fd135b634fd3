"""The one place where exceptions become API error responses: {"errors": {"<field>": [...]}}, and that
body's schema."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_ERRORS = "non_field_errors"


class ErrorsOutputSerializer(serializers.Serializer):
    """The API's error body: messages by field, `non_field_errors` for the request as a whole. (For the
    schema only; DRF's metaclass takes the declared field off the class, so `.errors` is untouched.)"""

    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _as_error_dict(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {(NON_FIELD_ERRORS if key == "__all__" else key): value for key, value in detail.items()}
    if isinstance(detail, list):
        return {NON_FIELD_ERRORS: detail}
    return {NON_FIELD_ERRORS: [detail]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django validation errors from services as 400, in the api.md error shape."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    # DRF answers other errors as {"detail": "..."}; a validation error's "detail" is a field of that name.
    if isinstance(data, dict) and set(data) == {"detail"} and not isinstance(exc, exceptions.ValidationError):
        data = data["detail"]
    response.data = {"errors": _as_error_dict(data)}
    return response
