"""Partnership administrators keep the MARAC schedules and closure dates."""

from django.db import migrations


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
        for model in ("meetingschedule", "closuredate")
        for action in ("view", "add", "change", "delete")
    ]
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="marac", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("marac", "0003_meeting_records"),
        ("agencies", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
