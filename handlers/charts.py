"""The /stats chart: complaints by status and by category, as one PNG.

Drawn with matplotlib's object API and the Agg canvas (no pyplot, no display, no global
style changes, so it may run in a worker thread). Labels are in the chat's language; Chinese
renders with Noto Sans SC, shipped with the dependencies (handlers/fonts.py), so a fresh
machine set up from pyproject.toml needs no system fonts.
"""

from __future__ import annotations

from pathlib import Path

from handlers import fonts
from handlers.i18n import t
from storage.ledger import LedgerSummary

DPI = 120
STATUS_COLOUR = "#4C72B0"
CATEGORY_COLOUR = "#DD8452"


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
    figure = Figure(figsize=(11, 1.2 + 0.38 * rows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
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
    for axes, (title, values, colour) in zip(figure.subplots(1, 2), panels, strict=True):
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


__all__ = ["render_stats_chart"]
