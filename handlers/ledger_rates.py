"""The three rates on the ledger's 汇总 sheet: the scope's, then one table per kind of unit.

Chinese whatever the chat's language, like the rest of the ledger (handlers/ledger_file.py).
Each rate sits beside the counts it is a share of, and the 回访 nobody answered beside those.
"""

from __future__ import annotations

from typing import Any

from handlers.i18n import t
from storage.rates import Rates, RoundRates, UnitRates, ranked

LANGUAGE = "zh"
# A table's header row (bold on the sheet), then its rows.
TABLE_HEADER = [
    "单位",
    "响应率",
    "已响应",
    "应响应",
    "待响应",
    "解决率",
    "已解决",
    "回答解决情况",
    "满意率",
    "满意和基本满意",
    "回答满意度",
    "回访未答复",
    "待回复",
]


def _percent(value: float | None) -> str:
    """A rate as a percentage with one decimal, or a dash."""
    return f"{value:.1%}" if value is not None else t(LANGUAGE, "rates.none")


def _row(name: str, rates: Rates) -> tuple[Any, ...]:
    """One unit's figures as a table row (TABLE_HEADER's columns)."""
    happy = rates.satisfaction["satisfied"] + rates.satisfaction["basic"]
    return (
        name,
        _percent(rates.response_rate),
        rates.responded,
        rates.response_base,
        rates.awaiting,
        _percent(rates.resolution_rate),
        rates.resolution["solved"],
        rates.resolution_answered,
        _percent(rates.satisfaction_rate),
        happy,
        rates.satisfaction_answered,
        rates.no_answer,
        rates.survey_waiting,
    )


def _table(title: str, units: list[UnitRates]) -> list[tuple[Any, ...] | str | list[str]]:
    """A titled table of units (none when there is no unit to show)."""
    if not units:
        return []
    return [(), (title,), TABLE_HEADER, *(_row(unit.name, unit.rates) for unit in units)]


def rates_summary(figures: RoundRates, scope: str) -> list[tuple[Any, ...] | str | list[str]]:
    """The rates' rows for the 汇总 sheet: the scope, all hand-offs, groups and departments
    ranked, villages in their order."""
    shown = ranked(figures.villages)
    villages = [unit for unit in figures.villages if unit in shown]
    return [
        (),
        ("三率（口径见 README「Statistics and the ledger」）",),
        TABLE_HEADER,
        _row(scope, figures.overall),
        _row("责任单位签收（全部交办）", figures.handoffs),
        *_table("巡察组排名", ranked(figures.groups)),
        *_table("责任单位排名", ranked(figures.departments)),
        *_table("各村（社区）", villages),
    ]


__all__ = ["TABLE_HEADER", "rates_summary"]
