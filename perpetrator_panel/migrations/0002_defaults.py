"""The panel's documented defaults (docs/perpetrator-panel.md): the scoring configuration, the gravity of
the common domestic abuse crime types, and the menu of tactical options; partnership administrators keep
them in the admin."""

from django.db import migrations

GRAVITY = [
    ("Murder", 20),
    ("Attempted murder", 20),
    ("Rape", 15),
    ("Grievous bodily harm", 12),
    ("Non-fatal strangulation", 12),
    ("Sexual assault", 10),
    ("Threats to kill", 10),
    ("Stalking", 8),
    ("Assault occasioning actual bodily harm", 8),
    ("Controlling or coercive behaviour", 7),
    ("Breach of a non-molestation order", 6),
    ("Breach of a restraining order", 6),
    ("Harassment", 5),
    ("Common assault", 4),
    ("Criminal damage", 3),
    ("Malicious communications", 3),
]

# (category, name, usual agency kind, description)
OPTIONS = [
    ("support", "Referral to a perpetrator programme", "probation", "An accredited behaviour change programme."),
    ("support", "Substance misuse treatment", "substance_misuse", "Referral to drug and alcohol services."),
    ("support", "Mental health assessment", "mental_health", "Referral for assessment and support."),
    ("support", "Housing and tenancy support", "housing", "Support to keep a stable home away from victims."),
    (
        "prevention",
        "Clare's Law disclosure (right to ask or right to know)",
        "police",
        "Disclosure of his history of abuse to a new partner.",
    ),
    ("prevention", "Safeguarding referral for children", "childrens_social_care", ""),
    ("prevention", "Partner notification of release", "probation", ""),
    ("diversion", "Out of court disposal with conditions", "police", "A conditional caution with attendance."),
    ("diversion", "Education, training and employment referral", "probation", ""),
    ("disruption", "Civil injunction", "police", ""),
    ("disruption", "Housing enforcement (tenancy action)", "housing", "Breach of tenancy, eviction, moves."),
    ("disruption", "Licensing, vehicle and financial checks", "police", ""),
    ("disruption", "Stalking Protection Order", "police", ""),
    ("enforcement", "DVPN / DVPO", "police", "Domestic Violence Protection Notice and Order."),
    ("enforcement", "Bail conditions", "police", ""),
    ("enforcement", "Arrest and charge of outstanding offences", "police", ""),
    ("enforcement", "Breach proceedings", "probation", "Recall or breach of licence or order."),
    ("enforcement", "MAPPA referral", "probation", "Multi-Agency Public Protection Arrangements."),
]

ADMIN_MODELS = ("panelconfiguration", "gravityrating", "tacticaloption")


def create_defaults(apps, schema_editor):
    PanelConfiguration = apps.get_model("perpetrator_panel", "PanelConfiguration")
    GravityRating = apps.get_model("perpetrator_panel", "GravityRating")
    TacticalOption = apps.get_model("perpetrator_panel", "TacticalOption")
    if not PanelConfiguration.objects.exists():
        PanelConfiguration.objects.create()
    for crime_type, gravity in GRAVITY:
        GravityRating.objects.get_or_create(crime_type=crime_type, defaults={"gravity": gravity})
    for position, (category, name, kind, description) in enumerate(OPTIONS):
        TacticalOption.objects.get_or_create(
            name=name,
            defaults={
                "category": category,
                "usual_agency_kind": kind,
                "description": description,
                "position": position,
            },
        )


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.get(name="partnership_admin")
    codenames = [f"{action}_{model}" for model in ADMIN_MODELS for action in ("view", "add", "change", "delete")]
    admin.permissions.add(
        *Permission.objects.filter(content_type__app_label="perpetrator_panel", codename__in=codenames)
    )


def forwards(apps, schema_editor):
    create_defaults(apps, schema_editor)
    grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("perpetrator_panel", "0001_initial"),
        ("agencies", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
