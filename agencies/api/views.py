"""API views of the agencies app: the agency directory, the caller, and the caller's agency staff."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.permissions import IsAgencyActor
from agencies.api.serializers import AgencySerializer, MeSerializer, StaffSerializer
from agencies.models import ROLE_NAMES, Role
from agencies.selectors import agency_list, staff_list


class AgencyListApi(generics.ListAPIView):
    """The partnership's active agencies."""

    permission_classes = [IsAgencyActor]
    serializer_class = AgencySerializer

    def get_queryset(self) -> Any:
        return agency_list(actor=self.request.user)


class MeApi(APIView):
    """Who the caller is: the signed-in user, or the API key and the agency it acts for."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        actor = request.user
        api_key = getattr(actor, "api_key", None)
        if api_key is not None:
            data = {
                "type": "api_key",
                "id": None,
                "name": api_key.name,
                "email": None,
                "roles": [],
                "specialist_post": "",
                "scope": api_key.scope,
                "agency": actor.agency,
            }
        else:
            data = {
                "type": "user",
                "id": actor.pk,
                "name": actor.get_full_name(),
                "email": actor.email,
                "roles": sorted(actor.roles),
                "specialist_post": actor.specialist_post,
                "scope": None,
                "agency": actor.agency,
            }
        return Response(MeSerializer(data).data)


class StaffFilterSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)


@extend_schema(
    parameters=[
        OpenApiParameter("role", OpenApiTypes.STR, enum=sorted(ROLE_NAMES), description="Only staff with this role."),
    ]
)
class StaffListApi(generics.ListAPIView):
    """Active staff of the caller's own agency (for example the IDVAs to allocate referrals to)."""

    permission_classes = [IsAgencyActor]
    serializer_class = StaffSerializer

    def get_queryset(self) -> Any:
        filters = StaffFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return staff_list(actor=self.request.user, role=filters.validated_data.get("role"))


class ApiDocsView(SpectacularSwaggerSplitView):
    """The API reference (Swagger UI served from this app, no CDN), for signed-in users."""

    requires_ui_login = True
    permission_classes = [IsAgencyActor]
    template_name = "agencies/api_docs.html"
