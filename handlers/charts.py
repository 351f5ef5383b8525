"""The /stats chart: complaints by status and by category, as one PNG.

Drawn with matplotlib's object API and the Agg canvas (no pyplot, no display, no global
style changes, so it may run in a worker thread). Labels are in the chat's language; Chinese
renders with Noto Sans SC, shipped with the dependencies (handlers/fonts.py), so a fresh
machine set up from pyproject.toml needs no system fonts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from handlers import fonts
from handlers.i18n import t
from storage.ledger import LedgerSummary
from storage.rates import ranked

DPI = 120
STATUS_COLOUR = "#4C72B0"
CATEGORY_COLOUR = "#DD8452"
# The three rates' bars: their legend's keys and colours.
RATE_KEYS = {0: "rates.chart.response", 1: "rates.chart.resolution", 2: "rates.chart.satisfaction"}
RATE_COLOURS = ("#55A868", "#8172B3", "#C44E52")
# Units drawn per kind (groups or villages, departments).
UNITS_MAX = 12


def render_stats_chart(summary: LedgerSummary, language: str, path: Path) -> None:
    """Write the chart of `summary` as a PNG to `path` (labels in `language`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    families = list(fonts.font_families())
    statuses = [(t(language, f"status.{status}"), n) for status, n in summary.by_status.items()]
    categories = [
        (category.name_en if language == "en" else category.name_zh, category.count)
        for category in summary.by_category
    ]
    rows = max(len(statuses), len(categories), 1)
    units = _rate_units(summary, language)
    height = 1.2 + 0.38 * rows
    if units:
        height += 1.0 + 0.5 * len(units)
    figure = Figure(figsize=(11, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    if units:
        ratios = [0.38 * rows + 1, 0.5 * len(units) + 1]
        top, bottom = cast(Any, figure.subfigures(2, 1, height_ratios=ratios))
        _draw_rates(bottom, units, language, families)
        figure_top: Any = top
    else:
        figure_top = figure
    scope = summary.group_name or summary.round_name
    figure.suptitle(
        t(language, "stats.chart.title", scope=scope, total=summary.total),
        fontfamily=families,
        fontsize=14,
    )
    panels = (
        (t(language, "stats.chart.status"), statuses, STATUS_COLOUR),
        (t(language, "stats.chart.category"), categories, CATEGORY_COLOUR),
    )
    for axes, (title, values, colour) in zip(figure_top.subplots(1, 2), panels, strict=True):
        labels = [label for label, _ in values]
        counts = [count for _, count in values]
        positions = list(range(len(values)))
        bars = axes.barh(positions, counts, color=colour)
        axes.set_yticks(positions, labels, fontfamily=families)
        axes.invert_yaxis()
        axes.set_title(title, fontfamily=families, fontsize=12)
        axes.bar_label(bars, padding=3, fontfamily=families)
        axes.set_xlim(0, max([*counts, 1]) * 1.15)
        axes.xaxis.get_major_locator().set_params(integer=True)
        for label in axes.get_xticklabels():
            label.set_fontfamily(families)
        axes.spines[["top", "right"]].set_visible(False)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")


def _rate_units(
    summary: LedgerSummary, language: str
) -> list[tuple[str, tuple[float | None, float | None, float | None]]]:
    """(label, (响应率, 解决率, 满意率)) per unit shown: the whole scope first, then the groups
    (the office's chart) or villages (a group's), then the departments."""
    figures = summary.rates
    if figures is None:
        return []
    units = [(t(language, "rates.chart.overall"), figures.overall)]
    places = figures.groups if summary.group_name is None else figures.villages
    units += [(unit.name, unit.rates) for unit in ranked(places)][:UNITS_MAX]
    units += [(unit.name, unit.rates) for unit in ranked(figures.departments)][:UNITS_MAX]
    return [
        (name, (rates.response_rate, rates.resolution_rate, rates.satisfaction_rate))
        for name, rates in units
    ]


def _draw_rates(
    figure: Any,
    units: list[tuple[str, tuple[float | None, float | None, float | None]]],
    language: str,
    families: list[str],
) -> None:
    """Three bars per unit (a missing rate draws no bar and is labelled with a dash)."""
    axes = figure.subplots(1, 1)
    width = 0.8 / len(RATE_COLOURS)
    for offset, colour in enumerate(RATE_COLOURS):
        key = RATE_KEYS[offset]
        positions = [index + (offset - 1) * width for index in range(len(units))]
        values = [rates[offset] for _, rates in units]
        bars = axes.barh(
            positions,
            [100 * v if v is not None else 0 for v in values],
            height=width,
            color=colour,
            label=t(language, key),
        )
        labels = [f"{v:.0%}" if v is not None else t(language, "rates.none") for v in values]
        axes.bar_label(bars, labels=labels, padding=3, fontfamily=families, fontsize=8)
    axes.set_yticks(range(len(units)), [label for label, _ in units], fontfamily=families)
    axes.invert_yaxis()
    axes.set_xlim(0, 115)
    axes.set_title(t(language, "rates.chart.title"), fontfamily=families, fontsize=12)
    axes.legend(prop={"family": families, "size": 8}, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for label in axes.get_xticklabels():
        label.set_fontfamily(families)
    axes.spines[["top", "right"]].set_visible(False)


__all__ = ["render_stats_chart"]
