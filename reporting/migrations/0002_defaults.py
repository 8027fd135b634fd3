"""The default service-return metric catalogue (reporting.catalogue), and the administrators' permissions
to keep the catalogue and the population estimates, and to read the returns and the report runs."""

from django.db import migrations

# A copy, as migrations must not change when the module does.
METRICS = [
    ("refuge_women_housed", "Women housed in refuge", ["refuge"], "", "", None),
    ("refuge_children_housed", "Children housed in refuge", ["refuge"], "", "", None),
    ("outreach_referrals", "Referrals to domestic abuse outreach services", ["outreach", "refuge"], "", "", None),
    (
        "victim_hub_victims_supported",
        "Victims of crime supported by the Victim and Witness Hub",
        ["victim_hub"],
        "",
        "",
        None,
    ),
    (
        "victim_hub_da_victims_supported",
        "Victims of domestic abuse supported by the Victim and Witness Hub",
        ["victim_hub"],
        "",
        "victim_hub_victims_supported",
        None,
    ),
    ("isva_service_referrals", "New referrals to the ISVA service (ISVA and ChISVA)", ["isva_service"], "", "", None),
    ("isva_referrals", "ISVA referrals", ["isva_service"], "isva_service_referrals", "", None),
    ("chisva_referrals", "ChISVA referrals", ["isva_service"], "isva_service_referrals", "", None),
    ("isva_service_clients", "Clients supported by the ISVA service (ISVA and ChISVA)", ["isva_service"], "", "", None),
    ("isva_clients", "ISVA clients", ["isva_service"], "isva_service_clients", "", None),
    ("chisva_clients", "ChISVA clients", ["isva_service"], "isva_service_clients", "", None),
    ("rape_crisis_survivors_supported", "Survivors supported by Rape Crisis", ["isva_service"], "", "", None),
    (
        "adult_safeguarding_da_referrals",
        "Adult safeguarding referrals with a domestic abuse element",
        ["adult_safeguarding"],
        "",
        "",
        None,
    ),
    (
        "adult_safeguarding_sv_referrals",
        "Adult safeguarding referrals with a sexual violence element",
        ["adult_safeguarding"],
        "",
        "",
        None,
    ),
    (
        "children_supported",
        "Children and young people supported after domestic abuse",
        ["childrens_social_care", "refuge", "community", "other"],
        "",
        "",
        600,
    ),
    ("sarac_referrals", "Referrals to the Sexual Assault Risk Assessment Conference (SARAC)", [], "", "", None),
    ("champions_members", "Members of the DASV Champions network", [], "", "", None),
    ("champions_attendance", "Attendance at DASV Champions sessions", [], "", "", None),
    ("training_sessions_delivered", "Training sessions delivered", [], "", "", None),
]


def create_defaults(apps, schema_editor):
    ServiceMetric = apps.get_model("reporting", "ServiceMetric")
    for position, (code, name, kinds, _part_of, _subset_of, target) in enumerate(METRICS, start=1):
        ServiceMetric.objects.get_or_create(
            code=code,
            defaults={"name": name, "provider_kinds": kinds, "annual_target": target, "position": position * 10},
        )
    by_code = {metric.code: metric for metric in ServiceMetric.objects.all()}
    for code, _name, _kinds, part_of, subset_of, _target in METRICS:
        metric = by_code[code]
        if part_of and metric.part_of_id is None:
            metric.part_of = by_code[part_of]
            metric.save(update_fields=["part_of"])
        if subset_of and metric.subset_of_id is None:
            metric.subset_of = by_code[subset_of]
            metric.save(update_fields=["subset_of"])


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.get(name="partnership_admin")
    codenames = [
        f"{action}_{model}"
        for model in ("servicemetric", "populationestimate")
        for action in ("view", "add", "change", "delete")
    ] + ["view_servicereturn", "view_reportrun"]
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="reporting", codename__in=codenames))


def forwards(apps, schema_editor):
    create_defaults(apps, schema_editor)
    grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("agencies", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
