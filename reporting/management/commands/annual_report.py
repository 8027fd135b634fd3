"""`python manage.py annual_report --period 2020-21 [--area <slug>] --format json`: run the annual report now,
in this process, and print the document as the API's `data` publishes it.

The run is recorded like any other (a ReportRun with no user), so it appears in the report history.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit.models import AccessLog
from audit.services import access_log_record
from reporting.models import ReportRun
from reporting.services import report_run_execute, report_run_request


def _csv_export() -> Any:
    """reporting.exports.report_csv, when that module is installed."""
    try:
        from reporting.exports import report_csv
    except ImportError:
        return None
    return report_csv


class Command(BaseCommand):
    help = "Run the annual report for a period (and area) and print it, as the API publishes it."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--period",
            required=True,
            help="A financial year (2020-21), a police year (2017/18), a quarter (2020-21 Q3) or a range of "
            "days (2020-04-01:2021-03-31).",
        )
        parser.add_argument("--area", default=None, help="An area's slug; left out: the whole partnership.")
        parser.add_argument("--format", default="json", choices=["json", "csv"], help="json (default) or csv.")

    def handle(self, *args: object, **options: Any) -> None:
        output_format = options["format"]
        report_csv = _csv_export()
        if output_format == "csv" and report_csv is None:
            raise CommandError("CSV output is not available in this version: use --format json.")
        try:
            run = report_run_request(actor=None, period=options["period"], area=options["area"] or None, enqueue=False)
        except ValidationError as error:
            messages = [f"{field}: {message}" for field, found in error.message_dict.items() for message in found]
            raise CommandError(" ".join(messages)) from None
        run = report_run_execute(run_id=run.pk)
        if run.status != ReportRun.Status.DONE or run.result is None:
            raise CommandError(f"The report failed: {run.error or run.status}.")
        from reporting.disclosure import published

        document = published(run.result, settings.DASV_DISCLOSURE_THRESHOLD)
        access_log_record(
            action=AccessLog.Action.EXPORT, obj=run, detail={"format": output_format, "by": "annual_report command"}
        )
        if output_format == "csv":
            self.stdout.write(report_csv(document), ending="")
            return
        self.stdout.write(json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False))
