"""The default complaint categories, used when a roster file lists none (see docs/DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CategoryDefault:
    """One complaint category as a roster would list it."""

    code: str
    zh: str
    en: str
    due_days: int
    sensitive: bool = False


# Order is the order residents see them in. Due days: a few days where people go without
# power or gas, a week for daily-life problems, two weeks where records must be checked.
DEFAULT_CATEGORIES: tuple[CategoryDefault, ...] = (
    CategoryDefault("water", "饮水灌溉", "Drinking water and irrigation", 7),
    CategoryDefault("power", "用电", "Electricity", 3),
    CategoryDefault("road", "道路交通", "Roads and transport", 15),
    CategoryDefault("gas", "燃气", "Gas", 3),
    CategoryDefault("lights", "路灯照明", "Street lights", 7),
    CategoryDefault("environment", "人居环境", "Living environment and sanitation", 7),
    CategoryDefault("subsidy", "惠农政策", "Farm subsidies and benefits", 15),
    CategoryDefault("funds", '集体"三资"', "Collective funds, assets and resources", 15),
    # Sensitive: never handed off to a department, only transferred as a clue.
    CategoryDefault("conduct", "干部作风", "Conduct of officials", 15, sensitive=True),
    CategoryDefault(
        "clue", "违纪违法问题线索", "Report of misconduct or violations", 15, sensitive=True
    ),
    CategoryDefault("other", "其他", "Other", 7),
)

# Codes that are sensitive unless a roster says otherwise.
SENSITIVE_CODES: frozenset[str] = frozenset(c.code for c in DEFAULT_CATEGORIES if c.sensitive)

__all__ = ["DEFAULT_CATEGORIES", "SENSITIVE_CODES", "CategoryDefault"]
