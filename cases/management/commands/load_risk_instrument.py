"""`python manage.py load_risk_instrument <file.json>`: load a licensed instrument's official wording.

The file: {"code": "safelives-dash-2009", "questions": [{"key": "q1", "prompt": "..."}, ...]}. Only the
prompts change: the keys must be exactly the instrument's own, so stored answers keep their meaning.
"""

import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.models import RiskInstrument


class Command(BaseCommand):
    help = "Replace the wording of an itemised risk instrument's questions from a JSON file."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["file"]  # type: ignore[assignment]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            code, questions = data["code"], data["questions"]
            keys = [question["key"] for question in questions]
            prompts = [str(question["prompt"]).strip() for question in questions]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            instrument = RiskInstrument.objects.get(code=code, kind=RiskInstrument.Kind.ITEMISED)
        except RiskInstrument.DoesNotExist:
            raise CommandError(f"No itemised instrument with code {code!r}.") from None
        if keys != instrument.question_keys:
            raise CommandError(
                f"The file's question keys must be exactly {', '.join(instrument.question_keys)}, in that order."
            )
        if not all(prompts):
            raise CommandError("Every question needs a prompt.")
        instrument.questions = [{"key": key, "prompt": prompt} for key, prompt in zip(keys, prompts, strict=True)]
        instrument.save(update_fields=["questions"])
        self.stdout.write(self.style.SUCCESS(f"Loaded the wording of {len(keys)} questions into {code}."))
