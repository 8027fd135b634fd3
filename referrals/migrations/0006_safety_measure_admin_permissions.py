"""Partnership administrators keep the list of safety measures."""

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
            codename__in=["view_safetymeasure", "add_safetymeasure", "change_safetymeasure", "delete_safetymeasure"],
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0005_idva_workflow_data"),
        ("agencies", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
