"""The /stats chart: Chinese labels render with the bundled font (no missing glyphs)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image

from handlers import charts, fonts
from storage.ledger import STATUS_ZH, CategoryCount, LedgerSummary

CATEGORIES = (
    ("water", "饮水灌溉", "Water supply and irrigation", 5),
    ("funds", '集体"三资"', "Collective assets", 1),
    ("clue", "违纪违法问题线索", "Misconduct clues", 2),
    ("other", "其他", "Other", 0),
)


def summary() -> LedgerSummary:
    return LedgerSummary(
        round_code="WD2023-1",
        round_name="卫东区委2023年第一轮巡察",
        timezone="Asia/Shanghai",
        group_name="第三巡察组",
        total=8,
        by_status={status: index % 3 for index, status in enumerate(STATUS_ZH)},
        by_category=[CategoryCount(code, zh, en, n) for code, zh, en, n in CATEGORIES],
        by_handling={"immediate": 1, "handed_off": 2, "transferred": 1, "rejected": 0},
        satisfaction={"satisfied": 1, "basic": 0, "unsatisfied": 0},
    )


def missing_glyphs(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_labels_render_without_missing_glyphs(tmp_path: Path) -> None:
    for language in ("zh", "en"):
        path = tmp_path / f"stats-{language}.png"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            charts.render_stats_chart(summary(), language, path)
        assert missing_glyphs(caught) == [], language
        with Image.open(io.BytesIO(path.read_bytes())) as image:
            assert image.format == "PNG"
            assert image.width >= 800


def test_the_font_is_the_one_shipped_with_the_dependencies() -> None:
    from matplotlib import font_manager

    family = fonts.font_families()[0]
    assert family == "Noto Sans SC"
    found = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert Path(found).name == "NotoSansSC-Regular.otf"
    assert "site-packages" in found or "dist-packages" in found


def test_the_check_sees_missing_glyphs() -> None:
    """Without the CJK font, matplotlib warns: the test above would catch a regression."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.suptitle("按状态", fontfamily="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert missing_glyphs(caught)
