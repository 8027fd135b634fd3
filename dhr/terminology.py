"""What the reviews are called: "Domestic Homicide Review" (DHR) or, as the government announced in 2024,
"Domestic Abuse Related Death Review" (DARDR), by the `DASV_REVIEW_TERMINOLOGY` setting. Every page,
export and notification takes the words from here."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class Terms:
    name: str
    plural: str
    short: str


TERMS = {
    "dhr": Terms("Domestic Homicide Review", "Domestic Homicide Reviews", "DHR"),
    "dardr": Terms("Domestic Abuse Related Death Review", "Domestic Abuse Related Death Reviews", "DARDR"),
}


def review_terms() -> Terms:
    """The terms in use (the setting is checked at start-up: see dasv/settings.py)."""
    return TERMS[settings.DASV_REVIEW_TERMINOLOGY]


def terminology(request: HttpRequest) -> dict[str, Terms]:
    """Context processor: `review_terms` in every template."""
    return {"review_terms": review_terms()}
