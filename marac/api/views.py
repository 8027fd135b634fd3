"""API views of MARAC: meetings, agenda items, actions (and their updates by the assigned agency) and
research, each starting from what the caller may see (marac.selectors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.base import AccessLoggedListApi, access_log_view
from agencies.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from agencies.api.permissions import IsAgencyActor
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update
from marac.api.serializers import (
    ActionCompleteInputSerializer,
    ActionFilterSerializer,
    ActionNotDoneInputSerializer,
    ActionOutputSerializer,
    ActionUpdateInputSerializer,
    AgendaItemFilterSerializer,
    AgendaItemOutputSerializer,
    MeetingFilterSerializer,
    MeetingOutputSerializer,
    ResearchFilterSerializer,
    ResearchInputSerializer,
    ResearchOutputSerializer,
)
from marac.models import AgendaItem, MaracAction, MaracMeeting, Research
from marac.selectors import (
    action_get_for,
    action_list_for,
    agenda_item_get_for,
    agenda_items_for,
    meeting_get_for,
    meeting_list_for,
    research_for,
)
from referrals.api.serializers import ErrorsOutputSerializer

# --- Meetings --------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[MeetingFilterSerializer]))
class MeetingListApi(AccessLoggedListApi):
    """Meetings of the MARACs the caller takes part in (a coordinator's areas, or the areas a member agency
    serves), earliest first."""

    serializer_class = MeetingOutputSerializer
    filter_serializer_class = MeetingFilterSerializer
    logged_model = MaracMeeting

    def get_queryset(self) -> Any:
        return meeting_list_for(actor=self.request.user, **self.filters())


class MeetingDetailApi(APIView):
    """One meeting."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=MeetingOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        meeting = meeting_get_for(actor=request.user, pk=pk)
        access_log_view(request, meeting)
        return Response(MeetingOutputSerializer(meeting).data)


# --- Agenda items ----------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[AgendaItemFilterSerializer]))
class AgendaItemListApi(AccessLoggedListApi):
    """Agenda items: a coordinator's, every item of their areas' meetings; a member agency's, the items of
    published agendas of its MARAC whose cases it may see (for research and actions)."""

    serializer_class = AgendaItemOutputSerializer
    filter_serializer_class = AgendaItemFilterSerializer
    logged_model = AgendaItem

    def get_queryset(self) -> Any:
        return agenda_items_for(actor=self.request.user, **self.filters())


class AgendaItemDetailApi(APIView):
    """One agenda item."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=AgendaItemOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        item = agenda_item_get_for(actor=request.user, pk=pk)
        access_log_view(request, item)
        return Response(AgendaItemOutputSerializer(item).data)


# --- Actions ---------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[ActionFilterSerializer]))
class ActionListApi(AccessLoggedListApi):
    """MARAC actions: an agency's, those assigned to it; a coordinator's, every action of their areas.
    Earliest due first."""

    serializer_class = ActionOutputSerializer
    filter_serializer_class = ActionFilterSerializer
    logged_model = MaracAction

    def get_queryset(self) -> Any:
        return action_list_for(actor=self.request.user, **self.filters())


class ActionDetailApi(APIView):
    """One MARAC action, with its progress notes."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=ActionOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        action = action_get_for(actor=request.user, pk=pk)
        access_log_view(request, action)
        return Response(ActionOutputSerializer(action).data)


_ACTION_STEP_RESPONSES = {
    400: OpenApiResponse(
        response=ErrorsOutputSerializer,
        description="The step is refused (field errors, or `non_field_errors` when the action is no longer "
        "open); nothing is written.",
    ),
    403: OpenApiResponse(
        response=ErrorsOutputSerializer,
        description="The caller may see the action but it is assigned to another agency (or the key only reads).",
    ),
    404: OpenApiResponse(response=ErrorsOutputSerializer, description="No action the caller may see."),
}


class _ActionStepApi(APIView):
    """One step on an action: 404 when the caller cannot see it, 403 unless the caller's agency is the one
    it is assigned to (both before the body is read), 400 when the service refuses; answers the action."""

    permission_classes = [IsAgencyActor]
    input_serializer_class: type[serializers.Serializer]
    take_step: Callable[..., Any]

    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        action = action_get_for(actor=request.user, pk=pk)
        # Responsibility stays with the assigned agency: a coordinator sees the action but does not act on it.
        if action.assigned_agency_id != request.user.agency.pk:
            raise PermissionDenied("Only the agency the action is assigned to may update it.")
        serializer = self.input_serializer_class(data=request.data, context={"request": request, "view": self})
        serializer.is_valid(raise_exception=True)
        type(self).take_step(actor=request.user, action=action, **serializer.validated_data)
        return Response(ActionOutputSerializer(action_get_for(actor=request.user, pk=pk)).data)


def _action_step_schema(request: type[serializers.Serializer], description: str) -> Any:
    return extend_schema_view(
        post=extend_schema(
            request=request,
            responses={200: ActionOutputSerializer, **_ACTION_STEP_RESPONSES},
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            description=description,
        )
    )


@_action_step_schema(ActionUpdateInputSerializer, "Adds a progress note to an open action. Answers the action.")
class ActionUpdateApi(_ActionStepApi):
    """Add a progress note to an action of the caller's agency."""

    input_serializer_class = ActionUpdateInputSerializer
    take_step = staticmethod(agency_action_update)


@_action_step_schema(ActionCompleteInputSerializer, "Records an open action as done on `on`. Answers the action.")
class ActionCompleteApi(_ActionStepApi):
    """Record an action of the caller's agency as done."""

    input_serializer_class = ActionCompleteInputSerializer
    take_step = staticmethod(agency_action_complete)


@_action_step_schema(
    ActionNotDoneInputSerializer,
    "Records an open action as not done, with why (`circumstances_changed` or `agency_did_not_act`). "
    "Answers the action.",
)
class ActionNotDoneApi(_ActionStepApi):
    """Record an action of the caller's agency as not done, with the reason."""

    input_serializer_class = ActionNotDoneInputSerializer
    take_step = staticmethod(agency_action_not_done)


# --- Research --------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[ResearchFilterSerializer]))
class ResearchListApi(AccessLoggedListApi):
    """Research: an agency's own, for the agenda items of its MARAC; a coordinator's, all of their areas'.
    Record (or submit) the caller's agency's research for an agenda item (`POST`)."""

    serializer_class = ResearchOutputSerializer
    filter_serializer_class = ResearchFilterSerializer
    logged_model = Research

    def get_queryset(self) -> Any:
        return research_for(actor=self.request.user, **self.filters())

    @extend_schema(
        request=ResearchInputSerializer,
        responses={
            201: ResearchOutputSerializer,
            400: OpenApiResponse(response=ErrorsOutputSerializer, description="Refused; nothing is written."),
            403: OpenApiResponse(
                response=ErrorsOutputSerializer, description="The caller's agency may not research this item."
            ),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Saves the caller's agency's research for an agenda item of a published agenda it may see "
        "(one per agency and item: saving again replaces the draft). Facts apart from opinion; what is "
        "withheld and why. `submit` false keeps it a draft.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        # Imported here: the research service is written alongside this view.
        from marac.services import research_save

        serializer = ResearchInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        research = research_save(actor=request.user, **serializer.validated_data)
        return Response(ResearchOutputSerializer(research).data, status=status.HTTP_201_CREATED)
