"""Partnership administrators manage routing policies."""

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
    admin.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="referrals",
            codename__in=["view_routingpolicy", "add_routingpolicy", "change_routingpolicy", "delete_routingpolicy"],
        ),
        *Permission.objects.filter(
            content_type__app_label="cases", codename__in=["view_riskinstrument", "change_riskinstrument"]
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_safelives_default_policy"),
        ("cases", "0002_risk_instruments"),
        ("agencies", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
