"""Existing referrals: received by the IDVA service, with a "received" event; the safety measures list."""

from django.db import migrations, models
from django.db.models import F

SAFETY_MEASURES = [
    ("safety-plan", "Safety plan agreed"),
    ("sanctuary-scheme", "Sanctuary scheme"),
    ("target-hardening", "Target hardening (locks, alarms, lighting)"),
    ("personal-alarm", "Personal alarm or safety phone"),
    ("non-molestation-order", "Non-molestation order"),
    ("occupation-order", "Occupation order"),
    ("dvpn-dvpo", "Domestic violence protection notice / order (DVPN / DVPO)"),
    ("restraining-order", "Restraining order"),
    ("bail-conditions", "Bail conditions"),
    ("clares-law-disclosure", "Clare's Law disclosure"),
    ("housing-move", "Housing move"),
    ("refuge-place", "Refuge place"),
    ("marac-referral", "Referred to MARAC"),
    ("children-safeguarding", "Children's safeguarding in place"),
]


def forwards(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    Referral = apps.get_model("referrals", "Referral")
    ReferralEvent = apps.get_model("referrals", "ReferralEvent")
    SafetyMeasure = apps.get_model("referrals", "SafetyMeasure")
    for position, (code, name) in enumerate(SAFETY_MEASURES):
        SafetyMeasure.objects.get_or_create(code=code, defaults={"name": name, "position": position})
    idva_service = Agency.objects.filter(kind="idva_service", active=True).order_by("pk").first()
    if idva_service is not None:
        Referral.objects.filter(receiving_agency__isnull=True).update(receiving_agency=idva_service)
    # Any left (no IDVA service exists) are received by the agency that made them.
    Referral.objects.filter(receiving_agency__isnull=True).update(receiving_agency=F("referring_agency"))
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            referral=referral,
            kind="received",
            on=referral.received_on,
            status_after="received",
            recorded_at=referral.created_at,
            recorded_by_id=referral.referrer_id,
            recorded_by_agency_id=referral.referring_agency_id,
        )
        for referral in Referral.objects.filter(events__isnull=True)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("referrals", "0004_idva_workflow"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="referral",
            name="receiving_agency",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT, related_name="referrals_received", to="agencies.agency"
            ),
        ),
        migrations.AlterField(
            model_name="historicalreferral",
            name="receiving_agency",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to="agencies.agency",
            ),
        ),
    ]
