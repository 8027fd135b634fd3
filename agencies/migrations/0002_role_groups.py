"""Create the role groups, and give partnership administrators the administration of the ground floor."""

from django.db import migrations

ROLES = [
    "idva",
    "idva_manager",
    "marac_coordinator",
    "agency_rep",
    "panel_member",
    "dhr_coordinator",
    "analyst",
    "partnership_admin",
]

ADMIN_PERMISSIONS = {
    "agencies": ["area", "agency", "user", "apikey"],
    "audit": ["accesslog"],
    "otp_totp": ["totpdevice"],
    "otp_static": ["staticdevice"],
    "axes": ["accessattempt"],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; administrators need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    admin = Group.objects.get(name="partnership_admin")
    for app_label, models in ADMIN_PERMISSIONS.items():
        for model in models:
            actions = ["view"] if model in {"accesslog", "accessattempt"} else ["view", "add", "change"]
            if model == "accessattempt":
                actions.append("delete")  # unlocking a locked-out user deletes the attempt
            codenames = [f"{action}_{model}" for action in actions]
            admin.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("audit", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
