"""The admin: partnership administrators keep the review stages (their order and targets) and the learning
themes; a DHR coordinator without the administrator role cannot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Role
from dhr.models import LearningTheme, Stage
from tests.factories.agencies import UserFactory
from tests.factories.dhr import dhr_coordinator

pytestmark = pytest.mark.django_db


def _stage_form(stage: Stage, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": stage.code,
        "name": stage.name,
        "position": stage.position,
        "description": stage.description,
        "target_months": stage.target_months,
        "target_days": stage.target_days,
        "target_from": stage.target_from,
        "active": "on",
    }
    if stage.is_final:
        data["is_final"] = "on"
    data.update(changes)
    return data


def test_partnership_admin_lists_the_stages_in_order(signed_in_client):
    """The stage list shows the thirteen stages in their order, with their targets editable in the list."""
    client = signed_in_client(UserFactory(roles=[Role.PARTNERSHIP_ADMIN]))

    response = client.get(reverse("admin:dhr_stage_changelist"))

    assert response.status_code == 200
    names = [stage.name for stage in response.context["cl"].result_list]
    assert names == list(Stage.objects.order_by("position").values_list("name", flat=True))
    assert len(names) == 13
    assert 'name="form-0-target_months"' in response.content.decode()


def test_partnership_admin_changes_a_stage_target_and_a_theme(signed_in_client):
    """A partnership administrator gives the decision six weeks, and renames and retires a theme; each change
    is recorded as theirs."""
    admin = UserFactory(roles=[Role.PARTNERSHIP_ADMIN])
    client = signed_in_client(admin)
    decision = Stage.objects.get(code="decision")

    response = client.post(
        reverse("admin:dhr_stage_change", args=[decision.pk]),
        _stage_form(decision, target_months=0, target_days=42),
    )

    assert response.status_code == 302, response.content
    decision.refresh_from_db()
    assert (decision.target_months, decision.target_days, decision.target_from) == (0, 42, "notification")
    assert decision.updated_by == admin
    theme = LearningTheme.objects.get(name="Housing")
    response = client.post(
        reverse("admin:dhr_learningtheme_change", args=[theme.pk]), {"name": "Housing and homelessness"}
    )
    assert response.status_code == 302, response.content
    theme.refresh_from_db()
    assert theme.name == "Housing and homelessness"
    assert theme.active is False
    assert theme.updated_by == admin
    response = client.post(reverse("admin:dhr_learningtheme_add"), {"name": "Stalking", "active": "on"})
    assert response.status_code == 302, response.content
    assert LearningTheme.objects.get(name="Stalking").created_by == admin


def test_a_bad_target_is_a_form_error_and_changes_nothing(signed_in_client):
    """A target of more than sixty months is refused on the field; the stage keeps its target."""
    client = signed_in_client(UserFactory(roles=[Role.PARTNERSHIP_ADMIN]))
    approval = Stage.objects.get(code="local_approval")

    response = client.post(
        reverse("admin:dhr_stage_change", args=[approval.pk]), _stage_form(approval, target_months=61)
    )

    assert response.status_code == 200
    assert "target_months" in response.context["adminform"].form.errors
    approval.refresh_from_db()
    assert approval.target_months == 6


@pytest.mark.parametrize("role", [Role.DHR_COORDINATOR, Role.ANALYST])
def test_a_coordinator_without_the_admin_role_cannot_change_stages_or_themes(signed_in_client, role):
    """A DHR coordinator (or an analyst) has no admin access to stages or themes, and a change is refused."""
    client = signed_in_client(dhr_coordinator() if role == Role.DHR_COORDINATOR else UserFactory(roles=[role]))
    decision = Stage.objects.get(code="decision")

    for name in ("admin:dhr_stage_changelist", "admin:dhr_learningtheme_changelist"):
        assert client.get(reverse(name)).status_code in (302, 403)
    response = client.post(
        reverse("admin:dhr_stage_change", args=[decision.pk]), _stage_form(decision, target_months=3)
    )
    assert response.status_code in (302, 403)
    decision.refresh_from_db()
    assert decision.target_months == 1
