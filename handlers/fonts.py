"""The Chinese font for everything matplotlib draws: the /stats chart and the printed posters.

Noto Sans SC comes inside the `pylopdf-fonts-zh-cn` wheel (a dependency in pyproject.toml), so
a fresh machine set up from pyproject.toml renders Chinese without any system font. The font
is registered with matplotlib's font manager once; callers pass `font_families()` as a text's
family, so matplotlib's global rcParams are never changed (the chart is drawn in a worker
thread).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

# matplotlib's own font, behind the CJK one for anything it lacks.
FALLBACK_FAMILY = "DejaVu Sans"


def cjk_font_path() -> Path:
    """The Noto Sans SC font file shipped with the dependencies."""
    import pylopdf_fonts_zh_cn

    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise FileNotFoundError(f"the CJK font {path} is missing; reinstall pylopdf-fonts-zh-cn")
    return path


@cache
def cjk_font_family() -> str:
    """Register the CJK font with matplotlib (once) and return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def font_families() -> tuple[str, ...]:
    """The font families for text: Noto Sans SC (registered once), then DejaVu Sans."""
    return (cjk_font_family(), FALLBACK_FAMILY)


__all__ = ["FALLBACK_FAMILY", "cjk_font_family", "cjk_font_path", "font_families"]
