"""Shared pieces of the API views of every app: access-logged detail views and lists."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.permissions import IsAgencyActor
from audit.models import AccessLog
from audit.services import access_log_record


def access_log_view(request: Request, obj: models.Model) -> None:
    """Record that the caller saw one object (an API key's rows name the key)."""
    access_log_record(action=AccessLog.Action.VIEW, actor=request.user, request=request._request, obj=obj)


class AccessLoggedListApi(generics.ListAPIView):
    """A filtered, paginated list that writes one access-log row per request (never one per object).

    Subclasses set `filter_serializer_class` (query parameters, validated: a bad one is a 400) and
    `logged_model`, and build their queryset from `self.filters()` through a selector.
    """

    permission_classes = [IsAgencyActor]
    filter_serializer_class: type[serializers.Serializer]
    logged_model: type[models.Model]

    def filters(self) -> dict[str, Any]:
        if not hasattr(self, "_filters"):
            filters = self.filter_serializer_class(
                data=self.request.query_params, context=self.get_serializer_context()
            )
            filters.is_valid(raise_exception=True)
            self._filters = dict(filters.validated_data)
        return self._filters

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        given = {
            name: request.query_params[name]
            for name in self.filter_serializer_class().fields
            if name in request.query_params
        }
        access_log_record(
            action=AccessLog.Action.LIST,
            actor=request.user,
            request=request._request,
            object_type=self.logged_model._meta.label_lower,
            detail={
                "filters": given,
                "page": request.query_params.get("page", "1"),
                "count": len(response.data["results"]),
                "total": response.data["count"],
            },
        )
        return response
