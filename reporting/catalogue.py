"""The default service-return metric catalogue (domain.md section 8), installed by a data migration and
then the partnership's to edit in the admin. Each entry: code, name, provider agency kinds, the total it is
a part of, the figure it is a subset of, and a target for the year."""

from __future__ import annotations

from typing import NamedTuple


class DefaultMetric(NamedTuple):
    code: str
    name: str
    provider_kinds: tuple[str, ...]
    part_of: str = ""
    subset_of: str = ""
    annual_target: int | None = None


DEFAULT_METRICS: tuple[DefaultMetric, ...] = (
    DefaultMetric("refuge_women_housed", "Women housed in refuge", ("refuge",)),
    DefaultMetric("refuge_children_housed", "Children housed in refuge", ("refuge",)),
    DefaultMetric("outreach_referrals", "Referrals to domestic abuse outreach services", ("outreach", "refuge")),
    DefaultMetric(
        "victim_hub_victims_supported", "Victims of crime supported by the Victim and Witness Hub", ("victim_hub",)
    ),
    DefaultMetric(
        "victim_hub_da_victims_supported",
        "Victims of domestic abuse supported by the Victim and Witness Hub",
        ("victim_hub",),
        subset_of="victim_hub_victims_supported",
    ),
    DefaultMetric("isva_service_referrals", "New referrals to the ISVA service (ISVA and ChISVA)", ("isva_service",)),
    DefaultMetric("isva_referrals", "ISVA referrals", ("isva_service",), part_of="isva_service_referrals"),
    DefaultMetric("chisva_referrals", "ChISVA referrals", ("isva_service",), part_of="isva_service_referrals"),
    DefaultMetric("isva_service_clients", "Clients supported by the ISVA service (ISVA and ChISVA)", ("isva_service",)),
    DefaultMetric("isva_clients", "ISVA clients", ("isva_service",), part_of="isva_service_clients"),
    DefaultMetric("chisva_clients", "ChISVA clients", ("isva_service",), part_of="isva_service_clients"),
    DefaultMetric("rape_crisis_survivors_supported", "Survivors supported by Rape Crisis", ("isva_service",)),
    DefaultMetric(
        "adult_safeguarding_da_referrals",
        "Adult safeguarding referrals with a domestic abuse element",
        ("adult_safeguarding",),
    ),
    DefaultMetric(
        "adult_safeguarding_sv_referrals",
        "Adult safeguarding referrals with a sexual violence element",
        ("adult_safeguarding",),
    ),
    DefaultMetric(
        "children_supported",
        "Children and young people supported after domestic abuse",
        ("childrens_social_care", "refuge", "community", "other"),
        annual_target=600,
    ),
    DefaultMetric("sarac_referrals", "Referrals to the Sexual Assault Risk Assessment Conference (SARAC)", ()),
    DefaultMetric("champions_members", "Members of the DASV Champions network", ()),
    DefaultMetric("champions_attendance", "Attendance at DASV Champions sessions", ()),
    DefaultMetric("training_sessions_delivered", "Training sessions delivered", ()),
)
