"""`python manage.py load_population <file.csv>`: load mid-year population estimates for the report's rates.

The file has a header row and the columns area (an area's slug), year, all_ages, adult_females (females
aged 16 and over) and source. Each (area, year) is created or updated. All or nothing: one bad row and
nothing is written; the error names its line and field.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reporting.services import POPULATION_FIELDS, population_estimates_load

REQUIRED_COLUMNS = POPULATION_FIELDS[:4]


class Command(BaseCommand):
    help = "Load population estimates (area,year,all_ages,adult_females,source) from a CSV file."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = [name.strip() for name in (reader.fieldnames or [])]
                missing = [column for column in REQUIRED_COLUMNS if column not in header]
                if missing:
                    raise CommandError(
                        f"Line 1 must be the header {','.join(POPULATION_FIELDS)}: {', '.join(missing)} missing."
                    )
                reader.fieldnames = header
                rows, lines = [], []
                for row in reader:
                    # A row of empty cells (a spreadsheet's trailing commas) is no row.
                    if any(str(value or "").strip() for value in row.values()):
                        rows.append(row)
                        lines.append(reader.line_num)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        except (csv.Error, UnicodeDecodeError) as error:
            raise CommandError(f"{path} is not a readable CSV file: {error}") from None
        try:
            counts = population_estimates_load(rows=rows, line_numbers=lines)
        except ValidationError as error:
            messages = [message for found in error.message_dict.values() for message in found]
            raise CommandError(" ".join(messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {sum(counts.values())} population estimates "
                f"({counts['created']} new, {counts['updated']} updated, {counts['unchanged']} unchanged)."
            )
        )
