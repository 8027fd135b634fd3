"""The names of the report's figures and of the codes in its breakdowns, in words: one place for the report
page (reporting.views.report) and the exports (reporting.exports) to name them the same way."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from agencies.models import Agency, User
from referrals.models import Referral

# The figures' names in words, by their path in the document. A figure missing here is still exported,
# under its key in words.
FIGURE_LABELS: dict[str, str] = {
    "idva.referrals": "IDVA referrals",
    "idva.engaged": "Referrals that engaged",
    "idva.not_engaged": "Referrals that did not engage",
    "idva.engagement_rate_pct": "Engagement rate",
    "idva.engagement_target_pct": "Engagement target",
    "idva.repeat_referrals": "Repeat referrals",
    "idva.repeat_rate_pct": "Repeat rate",
    "idva.closed": "Referrals closed",
    "idva.risk_reduced_victim_view_pct": "Closures where the victim says the risk reduced",
    "marac.cases_heard": "MARAC cases heard",
    "marac.repeat_cases": "Repeat cases",
    "marac.repeat_rate_pct": "Repeat rate",
    "marac.children_in_households": "Children in the households",
    "marac.meetings_held": "MARAC meetings held",
    "marac.adult_females": "Adult female population (16 and over)",
    "marac.cases_per_10000_adult_females": "Cases per 10,000 adult females",
    "marac.benchmark_per_10000": "SafeLives benchmark per 10,000 adult females",
    "marac.safelives.cases_discussed": "Cases discussed",
    "marac.safelives.repeat_cases": "Repeat cases",
    "marac.safelives.children": "Children in the households",
    "marac.safelives.police_referrals": "Referrals from the police",
    "marac.safelives.partner_referrals": "Referrals from partner agencies",
    "marac.safelives.police_percentage": "Share referred by the police",
    "marac.safelives.partner_percentage": "Share referred by partner agencies",
    "marac.safelives.racially_minoritised_victims": "Black, Asian or racially minoritised victims",
    "marac.safelives.lgbt_victims": "LGBT+ victims",
    "marac.safelives.disabled_victims": "Disabled victims",
    "marac.safelives.male_victims": "Male victims",
    "marac.safelives.victims_aged_16_17": "Victims aged 16 or 17",
    "marac.safelives.cases_with_perpetrator_aged_17_or_under": "Cases with a perpetrator aged 17 or under",
    "police.incidents": "Domestic abuse incidents",
    "police.crimes": "Domestic abuse crimes",
    "police.population": "Population (all ages)",
    "police.population_year": "Population estimate (mid-year)",
    "police.incidents_per_1000": "Incidents per 1,000 population",
    "police.crimes_per_1000": "Crimes per 1,000 population",
    "perpetrator_panel.cases_with_actions": "Panel cases with multi-agency actions",
    "perpetrator_panel.male_pct": "Cases with a male perpetrator",
    "perpetrator_panel.no_fixed_abode": "Perpetrators of no fixed abode",
    "perpetrator_panel.violence_against_parent": "Cases of violence against a parent",
    "perpetrator_panel.stalking_pct": "Cases involving stalking",
    "perpetrator_panel.strangulation_pct": "Cases involving strangulation",
    "dhr.deaths_meeting_criteria": "Deaths meeting the criteria for a review",
    "dhr.homicides": "Homicides",
    "dhr.suicides": "Suicides",
    "dhr.female": "Women who died",
    "dhr.male": "Men who died",
    "dhr.reviewed_as_child_death": "Reviewed as a child death",
    "dhr.reviews_open": "Reviews open",
    "dhr.recommendations": "Recommendations",
    "dhr.actions.total": "Actions",
    "dhr.actions.complete": "Actions complete",
    "dhr.actions.overdue": "Actions overdue",
}

# Column headings of the breakdowns whose rows have several figures.
COLUMN_LABELS: dict[str, str] = {
    "cases_heard": "Cases heard",
    "repeat_cases": "Repeat cases",
    "children_in_households": "Children in the households",
    "meetings_held": "Meetings held",
    "recommendations": "Recommendations",
    "actions_complete": "Actions complete",
    "actions_overdue": "Actions overdue",
}

SPECIALIST_POSTS = {value: label for value, label in User.SpecialistPost.choices if value} | {
    "generic": "IDVA (no specialist post)",
    "unallocated": "Not yet allocated",
}
CLOSURE_OUTCOMES = dict(Referral.ClosureOutcome.choices)
AGENCY_KINDS = dict(Agency.Kind.choices)


def words(key: str) -> str:
    """A slug or code in words: "home_office_qa" -> "Home office qa"."""
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def figure_label(path: str) -> str:
    """The name of the figure at a dotted path of the document ("idva.referrals" -> "IDVA referrals")."""
    return FIGURE_LABELS.get(path) or words(path.rsplit(".", 1)[-1])


def figure_labels(section: str, keys: Iterable[str]) -> dict[str, str]:
    """{key: name} of a section's figures, in the order given."""
    return {key: figure_label(f"{section}.{key}") for key in keys}


def month_label(key: str) -> str:
    """ "2020-04" -> "April 2020"."""
    try:
        month = date.fromisoformat(f"{key}-01")
    except ValueError:
        return key
    return f"{month:%B} {month.year}"
