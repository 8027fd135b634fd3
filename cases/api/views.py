"""API views of the cases app: cases, people and incidents (with the bulk import of incidents).

Every list and every retrieve writes one access-log row; lists never show safe contact details.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.base import AccessLoggedListApi, access_log_view
from agencies.api.errors import exception_handler
from agencies.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from agencies.api.permissions import IsAgencyActor
from cases.api.serializers import (
    CaseDetailOutputSerializer,
    CaseFilterSerializer,
    CaseInputSerializer,
    CaseOutputSerializer,
    IncidentBulkOutputSerializer,
    IncidentFilterSerializer,
    IncidentInputSerializer,
    IncidentOutputSerializer,
    PersonDetailOutputSerializer,
    PersonFilterSerializer,
    PersonOutputSerializer,
)
from cases.models import Case, Incident, Person
from cases.selectors import (
    can_see_safe_contact,
    case_get,
    case_list,
    incident_get,
    incident_list,
    person_get,
    person_list,
    person_safe_contact_visible,
)
from cases.services import case_create, incident_record

MAX_BULK_INCIDENTS = 5000

# --- Cases -----------------------------------------------------------------------------------------


def _case_data(request: Request, case: Case) -> dict[str, Any]:
    """A case as its detail shows it: with the safe contact only for an agency allowed to see it."""
    if can_see_safe_contact(actor=request.user, case=case):
        return CaseDetailOutputSerializer(case).data
    return CaseOutputSerializer(case).data


@extend_schema_view(get=extend_schema(parameters=[CaseFilterSerializer]))
class CaseListApi(AccessLoggedListApi):
    """Cases the caller's agency may see, newest first; a new case (`POST`)."""

    serializer_class = CaseOutputSerializer
    filter_serializer_class = CaseFilterSerializer
    logged_model = Case

    def get_queryset(self) -> Any:
        return case_list(actor=self.request.user, **self.filters())

    @extend_schema(
        request=CaseInputSerializer,
        responses={201: CaseDetailOutputSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = CaseInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        victim = data["victim"]
        case = case_create(
            actor=request.user,
            area=data["area"],
            victim=victim.get("person") or victim["data"],
            perpetrators=data.get("perpetrators", []),
            children=data.get("children", []),
            opened_on=data.get("opened_on"),
            flags=data.get("flags"),
        )
        return Response(_case_data(request, case), status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    """One case; the victim's safe contact only for an agency allowed to see it."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=CaseDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        case = case_get(actor=request.user, pk=pk)
        access_log_view(request, case)
        return Response(_case_data(request, case))


# --- People ----------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[PersonFilterSerializer]))
class PersonListApi(AccessLoggedListApi):
    """Victims and perpetrators in the cases the caller's agency may see (read-only)."""

    serializer_class = PersonOutputSerializer
    filter_serializer_class = PersonFilterSerializer
    logged_model = Person

    def get_queryset(self) -> Any:
        return person_list(actor=self.request.user, **self.filters())


class PersonDetailApi(APIView):
    """One person; their safe contact only for an agency allowed to see it."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=PersonDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        person = person_get(actor=request.user, pk=pk)
        access_log_view(request, person)
        if person_safe_contact_visible(actor=request.user, person=person):
            return Response(PersonDetailOutputSerializer(person).data)
        return Response(PersonOutputSerializer(person).data)


# --- Incidents -------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[IncidentFilterSerializer]))
class IncidentListApi(AccessLoggedListApi):
    """Incidents in the cases the caller's agency may see; record one (`POST`)."""

    serializer_class = IncidentOutputSerializer
    filter_serializer_class = IncidentFilterSerializer
    logged_model = Incident
    # How a new incident is recorded. The routes use the referrals app's subclasses, which record through
    # referrals.services.incident_report (repeat-MARAC alerts); cases may not import referrals.
    record_incident = staticmethod(incident_record)

    def get_queryset(self) -> Any:
        return incident_list(actor=self.request.user, **self.filters())

    @extend_schema(
        request=IncidentInputSerializer,
        responses={
            201: IncidentOutputSerializer,
            200: IncidentOutputSerializer,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Answers 201 with the new incident, or 200 with the incident already recorded under "
        "this `source_reference` by the caller's agency (which is left unchanged).",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = IncidentInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        outcome = self.record_incident(actor=request.user, **serializer.validated_data)
        return Response(
            IncidentOutputSerializer(outcome.incident).data,
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


class IncidentBulkApi(APIView):
    """Record up to 5,000 incidents; each row succeeds or fails on its own."""

    permission_classes = [IsAgencyActor]
    # As IncidentListApi.record_incident: the route uses the referrals app's subclass.
    record_incident = staticmethod(incident_record)

    @extend_schema(
        request=IncidentInputSerializer(many=True),
        responses=IncidentBulkOutputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="A JSON list of incidents (at most 5,000). Answers 200 with one result per row, in "
        "order: 201 recorded, 200 already recorded under that reference (unchanged), 400 or 403 failed "
        "(with `errors`). A failed row writes nothing and does not stop the others.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        rows = request.data
        if not isinstance(rows, list):
            raise exceptions.ValidationError(["Send a JSON list of incidents."])
        if not rows:
            raise exceptions.ValidationError(["Send at least one incident."])
        if len(rows) > MAX_BULK_INCIDENTS:
            raise exceptions.ValidationError([f"Send at most {MAX_BULK_INCIDENTS:,} incidents at a time."])
        context = {"request": request, "view": self, "visible_cases": self._visible_cases(request, rows)}
        results = [self._record_row(index, row, context) for index, row in enumerate(rows)]
        summary = {
            "created": sum(1 for row in results if row["status"] == status.HTTP_201_CREATED),
            "existing": sum(1 for row in results if row["status"] == status.HTTP_200_OK),
        }
        summary["failed"] = len(results) - summary["created"] - summary["existing"]
        return Response({"results": results, **summary})

    @staticmethod
    def _visible_cases(request: Request, rows: list[Any]) -> dict[int, Case]:
        """The cases the rows name that the caller may see, loaded once for the whole request."""
        ids = set()
        for row in rows:
            try:
                ids.add(int(row["case"]))
            except (TypeError, KeyError, ValueError):
                continue
        return {case.pk: case for case in case_list(actor=request.user).filter(pk__in=ids)}

    def _record_row(self, index: int, row: Any, context: dict[str, Any]) -> dict[str, Any]:
        serializer = IncidentInputSerializer(data=row, context=context)
        try:
            serializer.is_valid(raise_exception=True)
            # Each row in its own savepoint: a failed row leaves nothing behind and stops nothing else.
            with transaction.atomic():
                outcome = self.record_incident(actor=context["request"].user, **serializer.validated_data)
        except (exceptions.APIException, DjangoValidationError, PermissionDenied) as error:
            response = exception_handler(error, {"request": context["request"], "view": self})
            if response is None:  # pragma: no cover - the handler answers every exception caught here
                raise
            return {"index": index, "status": response.status_code, "errors": response.data["errors"]}
        return {
            "index": index,
            "status": status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
            "id": outcome.incident.pk,
        }


class IncidentDetailApi(APIView):
    """One incident in a case the caller's agency may see."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=IncidentOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        incident = incident_get(actor=request.user, pk=pk)
        access_log_view(request, incident)
        return Response(IncidentOutputSerializer(incident).data)
