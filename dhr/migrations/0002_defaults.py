"""The review stages of domain.md section 7 with their documented targets (docs/dhr.md), the learning
themes, and the administrators' permissions to keep them."""

from django.db import migrations

# (code, name, target months, target days, counted from, final, description)
STAGES = [
    (
        "notification",
        "Notification",
        0,
        0,
        "stage_entered",
        False,
        "The police (or another agency) notify the Community Safety Partnership of the death.",
    ),
    (
        "scoping",
        "Scoping and information gathering",
        0,
        0,
        "stage_entered",
        False,
        "Agencies check their records for contact with the people involved.",
    ),
    (
        "decision",
        "Decision whether to review",
        1,
        0,
        "notification",
        False,
        "The Community Safety Partnership decides whether the criteria are met and informs the Home Office: within one month of the notification.",
    ),
    (
        "panel_setup",
        "Chair, author and panel appointed",
        0,
        0,
        "stage_entered",
        False,
        "An independent chair and author are appointed and the review panel is set up.",
    ),
    (
        "terms_of_reference",
        "Terms of reference",
        0,
        0,
        "stage_entered",
        False,
        "The panel agrees the terms of reference.",
    ),
    (
        "imrs",
        "IMRs and combined chronology",
        0,
        0,
        "stage_entered",
        False,
        "Agencies write Individual Management Reviews; the chronology is combined.",
    ),
    (
        "family_involvement",
        "Family and friends involved",
        0,
        0,
        "stage_entered",
        False,
        "Family, friends and others who knew the people involved contribute.",
    ),
    (
        "overview_report",
        "Overview report and executive summary",
        0,
        0,
        "stage_entered",
        False,
        "The author writes the overview report and executive summary (and revises them after Home Office feedback).",
    ),
    (
        "local_approval",
        "Local approval",
        6,
        0,
        "decision",
        False,
        "The Community Safety Partnership approves the report: the review is complete within six months of the decision.",
    ),
    (
        "home_office_qa",
        "Home Office Quality Assurance Panel",
        0,
        0,
        "stage_entered",
        False,
        "The Home Office panel assesses the report; it may ask for revisions.",
    ),
    ("publication", "Publication", 0, 0, "stage_entered", False, "The report and executive summary are published."),
    (
        "action_plan",
        "Action plan delivered and audited",
        0,
        0,
        "stage_entered",
        False,
        "Agencies deliver the action plan; the partnership audits it.",
    ),
    ("closed", "Closed", 0, 0, "stage_entered", True, "The review is closed (or no review was commissioned)."),
]

THEMES = [
    "Substance misuse",
    "Mental health",
    "Suicide",
    "Male victims",
    "Older victims",
    "Coercive control",
    "Economic abuse",
    "Information sharing",
    "Risk assessment",
    "Professional curiosity",
    "Children and young people",
    "Housing",
]

ADMIN_MODELS = ("stage", "learningtheme")


def create_defaults(apps, schema_editor):
    Stage = apps.get_model("dhr", "Stage")
    LearningTheme = apps.get_model("dhr", "LearningTheme")
    for position, (code, name, months, days, target_from, final, description) in enumerate(STAGES, start=1):
        Stage.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "position": position,
                "target_months": months,
                "target_days": days,
                "target_from": target_from,
                "is_final": final,
                "description": description,
            },
        )
    for name in THEMES:
        LearningTheme.objects.get_or_create(name=name)


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in ADMIN_MODELS for action in ("view", "add", "change", "delete")]
    permissions = Permission.objects.filter(content_type__app_label="dhr", codename__in=codenames)
    for name in ("partnership_admin",):
        Group.objects.get(name=name).permissions.add(*permissions)


def forwards(apps, schema_editor):
    create_defaults(apps, schema_editor)
    grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("dhr", "0001_initial"),
        ("agencies", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
