"""API views of MARAC: meetings, agenda items, actions (and their updates by the assigned agency) and
research, each starting from what the caller may see (marac.selectors)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.actions import ActionCompleteStepApi, ActionNotDoneStepApi, ActionUpdateStepApi, action_step_schema
from agencies.api.base import AccessLoggedListApi, access_log_view
from agencies.api.errors import ErrorsOutputSerializer
from agencies.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from agencies.api.permissions import IsAgencyActor
from marac.api.serializers import (
    ActionFilterSerializer,
    ActionOutputSerializer,
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


class _MaracActionStep:
    """The MARAC side of the shared steps: actions the caller may see, answered in MARAC's shape."""

    get_action = staticmethod(action_get_for)
    output_serializer_class = ActionOutputSerializer


@action_step_schema
class ActionUpdateApi(_MaracActionStep, ActionUpdateStepApi):
    """Add a progress note to an action of the caller's agency."""


@action_step_schema
class ActionCompleteApi(_MaracActionStep, ActionCompleteStepApi):
    """Record an action of the caller's agency as done."""


@action_step_schema
class ActionNotDoneApi(_MaracActionStep, ActionNotDoneStepApi):
    """Record an action of the caller's agency as not done, with the reason."""


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
