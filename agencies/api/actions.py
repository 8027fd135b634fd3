"""The API of actions assigned to agencies, shared by every app with a concrete action table (MARAC, the
perpetrator panel, DHR action plans): the progress-note, done and not-done steps, their inputs and the
note's output. Each app's step views subclass these with its own selector and output serializer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.errors import ErrorsOutputSerializer
from agencies.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from agencies.api.permissions import IsAgencyActor
from agencies.models import AgencyAction
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update

# --- Serializers -----------------------------------------------------------------------------------


class ActionUpdateOutputSerializer(serializers.Serializer):
    on = serializers.DateField(read_only=True)
    by = serializers.CharField(read_only=True, help_text="Who wrote the note, and their agency.")
    text = serializers.CharField(read_only=True)


class ActionUpdateInputSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="What has been done.")
    on = serializers.DateField(required=False, help_text="Defaults to today; not in the future.")


class ActionCompleteInputSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The day it was done; not in the future, nor before it was agreed.")
    note = serializers.CharField(allow_blank=True, default="")


class ActionNotDoneInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=AgencyAction.NotDoneReason.choices)
    on = serializers.DateField(help_text="The day it was found not done; not in the future.")
    note = serializers.CharField(allow_blank=True, default="")


# --- The steps -------------------------------------------------------------------------------------

ACTION_STEP_RESPONSES = {
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


def action_to_act_on(request: Request, pk: int, get_action: Callable[..., AgencyAction]) -> AgencyAction:
    """The action, when the caller may see it (else 404) and its agency is the one the action is assigned to
    (else 403), checked before the body so that a caller who may not act learns nothing from validation.
    Responsibility stays with the assigned agency: a coordinator or the panel sees it but does not act on it.
    The services check again."""
    action = get_action(actor=request.user, pk=pk)
    if action.assigned_agency_id != request.user.agency.pk:
        raise PermissionDenied("Only the agency the action is assigned to may update it.")
    return action


class ActionStepApi(APIView):
    """One step on an action: 404 when the caller cannot see it, 403 unless the caller's agency is the one
    it is assigned to (both before the body is read), 400 when the service refuses; answers the action.

    Subclasses set `get_action` (a selector taking `actor` and `pk`, 404 when the action is not visible) and
    `output_serializer_class`; the step (`input_serializer_class`, `take_step`) comes from one of the three
    step classes below."""

    permission_classes = [IsAgencyActor]
    get_action: Callable[..., AgencyAction]
    output_serializer_class: type[serializers.Serializer]
    input_serializer_class: type[serializers.Serializer]
    take_step: Callable[..., Any]
    step_description: str

    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        get_action = type(self).get_action
        action = action_to_act_on(request, pk, get_action)
        serializer = self.input_serializer_class(data=request.data, context={"request": request, "view": self})
        serializer.is_valid(raise_exception=True)
        type(self).take_step(actor=request.user, action=action, **serializer.validated_data)
        return Response(self.output_serializer_class(get_action(actor=request.user, pk=pk)).data)


class ActionUpdateStepApi(ActionStepApi):
    """Add a progress note to an open action of the caller's agency."""

    input_serializer_class = ActionUpdateInputSerializer
    take_step = staticmethod(agency_action_update)
    step_description = "Adds a progress note to an open action. Answers the action."


class ActionCompleteStepApi(ActionStepApi):
    """Record an open action of the caller's agency as done."""

    input_serializer_class = ActionCompleteInputSerializer
    take_step = staticmethod(agency_action_complete)
    step_description = "Records an open action as done on `on`. Answers the action."


class ActionNotDoneStepApi(ActionStepApi):
    """Record an open action of the caller's agency as not done, with the reason."""

    input_serializer_class = ActionNotDoneInputSerializer
    take_step = staticmethod(agency_action_not_done)
    step_description = (
        "Records an open action as not done, with why (`circumstances_changed` or `agency_did_not_act`). "
        "Answers the action."
    )


def action_step_schema(view: type[ActionStepApi]) -> type[ActionStepApi]:
    """Decorate a concrete step view: its schema takes the step's input and description, answers the view's
    output serializer, lists the errors and the Idempotency-Key."""
    return extend_schema_view(
        post=extend_schema(
            request=view.input_serializer_class,
            responses={200: view.output_serializer_class, **ACTION_STEP_RESPONSES},
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            description=view.step_description,
        )
    )(view)
