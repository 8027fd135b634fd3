"""The shipped risk instruments: SafeLives DASH RIC 2009 (paraphrased prompts) and the external grade."""

from django.db import migrations


def create_instruments(apps, schema_editor):
    from cases.instruments import DASH_CODE, DASH_QUESTIONS, EXTERNAL_GRADE_CODE

    RiskInstrument = apps.get_model("cases", "RiskInstrument")
    RiskInstrument.objects.update_or_create(
        code=DASH_CODE,
        defaults={
            "name": "SafeLives DASH risk identification checklist",
            "kind": "itemised",
            "version": "2009",
            "questions": DASH_QUESTIONS,
        },
    )
    RiskInstrument.objects.update_or_create(
        code=EXTERNAL_GRADE_CODE,
        defaults={
            "name": "Another agency's grade (police DASH or DARA)",
            "kind": "grade",
            "version": "1",
            "questions": [],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create_instruments, migrations.RunPython.noop)]
