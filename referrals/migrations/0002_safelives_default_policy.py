"""SafeLives' default routing rule, so that any deployment routes from its first day.

MARAC at 14 or more, no IDVA band, escalation at 3 incidents in 365 days, repeats within 365 days.
A partnership with its own rule adds a policy with a later effective date (seed_demo adds the seed
partnership's 2020 rule).
"""

import datetime

from django.db import migrations


def create_default_policy(apps, schema_editor):
    RoutingPolicy = apps.get_model("referrals", "RoutingPolicy")
    RoutingPolicy.objects.get_or_create(
        effective_from=datetime.date(2009, 1, 1),
        defaults={
            "name": "SafeLives default",
            "marac_threshold": 14,
            "idva_band_min": None,
            "idva_band_max": None,
            "escalation_count": 3,
            "escalation_window_days": 365,
            "repeat_window_days": 365,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(create_default_policy, migrations.RunPython.noop)]
