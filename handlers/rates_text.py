"""The three rates (响应率, 解决率, 满意率) in words, for /stats and the reports.

Worded from `storage.rates.rates_payload`'s JSON form only, so a report reads the same
whenever its outbox row is sent. Every rate is shown with the counts it is a share of, and the
回访 nobody answered are shown beside it (never dropped).
"""

from __future__ import annotations

from html import escape
from typing import Any

from handlers.i18n import t

# Units listed before "… and N more".
UNITS_MAX = 20


def percent(language: str, value: float | None) -> str:
    """A share as a whole percentage, or a dash when there is nothing to count."""
    if value is None:
        return t(language, "rates.none")
    return f"{value:.0%}"


def _counts(figures: dict[str, Any]) -> dict[str, Any]:
    """The numbers every rates text takes, from one unit's figures."""
    resolution = dict(figures.get("resolution", {}))
    satisfaction = dict(figures.get("satisfaction", {}))
    responded = int(figures.get("responded", 0))
    not_responded = int(figures.get("not_responded", 0))
    return {
        "responded": responded,
        "response_base": responded + not_responded,
        "awaiting": int(figures.get("awaiting", 0)),
        "solved": int(resolution.get("solved", 0)),
        "resolution_answered": sum(int(n) for n in resolution.values()),
        "happy": int(satisfaction.get("satisfied", 0)) + int(satisfaction.get("basic", 0)),
        "satisfaction_answered": sum(int(n) for n in satisfaction.values()),
        "no_answer": int(figures.get("no_answer", 0)),
        "waiting": int(figures.get("survey_waiting", 0)),
    }


def _rate(figures: dict[str, Any], name: str) -> float | None:
    """A rate from the figures (None when there is none)."""
    value = figures.get(name)
    return float(value) if value is not None else None


def _filled(language: str, figures: dict[str, Any]) -> dict[str, Any]:
    """The placeholders of the rates texts, the rates as percentages."""
    counts = _counts(figures)
    counts["response"] = percent(language, _rate(figures, "response_rate"))
    counts["resolution"] = percent(language, _rate(figures, "resolution_rate"))
    counts["satisfaction"] = percent(language, _rate(figures, "satisfaction_rate"))
    return counts


def overall_lines(language: str, payload: dict[str, Any]) -> list[str]:
    """The whole scope's rates, the hand-offs' 签收 response, and the unanswered 回访."""
    overall = dict(payload.get("overall", {}))
    handoffs = dict(payload.get("handoffs", {}))
    lines = [t(language, "rates.overall", **_filled(language, overall))]
    if _counts(handoffs)["response_base"] or _counts(handoffs)["awaiting"]:
        lines.append(t(language, "rates.handoffs", **_filled(language, handoffs)))
    lines.append(t(language, "rates.unanswered", **_filled(language, overall)))
    return lines


def unit_lines(
    language: str, title_key: str, units: list[dict[str, Any]], *, ranked: bool
) -> list[str]:
    """A title and one line per unit (numbered when it is a ranking); none without units."""
    if not units:
        return []
    lines = [t(language, title_key)]
    for position, unit in enumerate(units[:UNITS_MAX], start=1):
        filled = _filled(language, dict(unit.get("rates", {})))
        name = escape(str(unit.get("name", "")))
        if ranked:
            lines.append(t(language, "rates.ranked_line", rank=position, name=name, **filled))
        else:
            lines.append(t(language, "rates.unit_line", name=name, **filled))
    if len(units) > UNITS_MAX:
        lines.append(t(language, "notice.list_more", count=len(units) - UNITS_MAX))
    return lines


def rates_lines(language: str, payload: dict[str, Any], *, office: bool) -> list[str]:
    """Every rates line: overall, then the groups and departments ranked for the office (the
    departments and villages for a group), then the villages."""
    lines = [t(language, "rates.title"), *overall_lines(language, payload)]
    groups = list(payload.get("groups", []))
    departments = list(payload.get("departments", []))
    villages = list(payload.get("villages", []))
    if office:
        lines += unit_lines(language, "rates.groups_title", groups, ranked=True)
    lines += unit_lines(language, "rates.departments_title", departments, ranked=True)
    lines += unit_lines(language, "rates.villages_title", villages, ranked=False)
    return lines


__all__ = ["overall_lines", "percent", "rates_lines", "unit_lines"]
