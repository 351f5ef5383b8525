"""The posters' A4 page, drawn with matplotlib's object API and addressed in millimetres:
text that wraps or shrinks to fit, rules, a QR code of whole pixels, saved as PNG and PDF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

PAGE_W_MM = 210.0
PAGE_H_MM = 297.0
MM_PER_INCH = 25.4
PT_TO_MM = MM_PER_INCH / 72
DPI = 300
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
QR_ERROR = "q"  # 25% of the code may be soiled or torn and it still reads
INK = "#1A1A1A"

# Punctuation that may not begin a line (it hangs at the end of the previous one instead).
NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)")
TOKEN = re.compile(r"[A-Za-z0-9_/@#%&+=.:'’-]+|\s+|.")


class Page:
    """An A4 figure addressed in millimetres from the bottom-left corner."""

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from handlers import fonts

        self.figure: Figure = Figure(
            figsize=(PAGE_W_MM / MM_PER_INCH, PAGE_H_MM / MM_PER_INCH), dpi=DPI
        )
        self.figure.patch.set_facecolor("white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.renderer: RendererBase = self.canvas.get_renderer()
        self.families = list(fonts.font_families())

    def font(self, size: float) -> FontProperties:
        from matplotlib.font_manager import FontProperties

        return FontProperties(family=self.families, size=size)

    def width_mm(self, text: str, size: float) -> float:
        """How wide `text` is at `size` points."""
        if not text:
            return 0.0
        width, _, _ = self.renderer.get_text_width_height_descent(
            text, self.font(size), ismath=False
        )
        return float(width) / DPI * MM_PER_INCH

    def wrap(self, text: str, size: float, width: float, indent: str = "") -> list[str]:
        """Lines of `text` no wider than `width` mm: breaks between Chinese characters or at
        spaces, never inside a Latin word or number, never before closing punctuation.

        A line's width is the sum of its pieces' widths (measured once each): kerning between
        pieces is left out, which the slack of a few per cent below makes up for."""
        widths: dict[str, float] = {}

        def measure(piece: str) -> float:
            if piece not in widths:
                widths[piece] = self.width_mm(piece, size)
            return widths[piece]

        limit = width * 0.98
        lines: list[str] = []
        line, used = indent, measure(indent)
        for token in TOKEN.findall(text):
            if token.isspace() and not line.strip():
                continue
            if line.strip() and token not in NO_LINE_START and used + measure(token) > limit:
                lines.append(line.rstrip())
                line, used = ("", 0.0) if token.isspace() else (token, measure(token))
            else:
                line, used = line + token, used + measure(token)
        if line.strip():
            lines.append(line.rstrip())
        return lines

    def fit(self, text: str, size: float, width: float) -> float:
        """`size`, or smaller so that `text` fits on one line of `width` mm."""
        while size > 8 and self.width_mm(text, size) > width:
            size -= 0.5
        return size

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        color: str = INK,
        ha: str = "left",
        bold: bool = False,
    ) -> None:
        """Text with its baseline at (x, y) mm; `bold` thickens the strokes (the bundled font
        has one weight)."""
        from matplotlib import patheffects

        effects: list[Any] = (
            [patheffects.withStroke(linewidth=size * 0.045, foreground=color)] if bold else []
        )
        self.figure.text(
            x / PAGE_W_MM,
            y / PAGE_H_MM,
            text,
            fontproperties=self.font(size),
            color=color,
            ha=ha,
            va="baseline",
            parse_math=False,
            path_effects=effects,
        )

    def line(self, x0: float, x1: float, y: float, *, width: float, color: str) -> None:
        """A horizontal rule `width` points thick."""
        from matplotlib.lines import Line2D

        self.figure.add_artist(
            Line2D(
                [x0 / PAGE_W_MM, x1 / PAGE_W_MM],
                [y / PAGE_H_MM, y / PAGE_H_MM],
                linewidth=width,
                color=color,
                solid_capstyle="butt",
            )
        )

    def qr(self, link: str, x: float, y: float, size: float) -> None:
        """The QR code of `link`, quiet zone included, in the square of side `size` mm whose
        bottom-left corner is (x, y) mm; modules fall on whole pixels of the PNG."""
        import segno
        from matplotlib.patches import PathPatch, Rectangle
        from matplotlib.path import Path as MplPath

        code = segno.make_qr(link, error=QR_ERROR)
        rows = [list(row) for row in code.matrix_iter(scale=1, border=QUIET_ZONE)]
        n = len(rows)
        module_px = max(1, int(size / n / MM_PER_INCH * DPI))
        side = module_px * n / DPI * MM_PER_INCH
        x0 = round((x + (size - side) / 2) / MM_PER_INCH * DPI) / DPI * MM_PER_INCH
        y0 = round((y + (size - side) / 2) / MM_PER_INCH * DPI) / DPI * MM_PER_INCH
        axes = self.figure.add_axes(
            (x0 / PAGE_W_MM, y0 / PAGE_H_MM, side / PAGE_W_MM, side / PAGE_H_MM)
        )
        axes.set_axis_off()
        axes.set_xlim(0, n)
        axes.set_ylim(n, 0)  # row 0 at the top
        axes.add_patch(Rectangle((0, 0), n, n, facecolor="white", edgecolor="none"))
        vertices: list[tuple[float, float]] = []
        codes: list[Any] = []
        for r, row in enumerate(rows):
            c = 0
            while c < n:
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < n and row[c]:
                    c += 1
                vertices += [(start, r), (c, r), (c, r + 1), (start, r + 1), (start, r)]
                codes += [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO]
                codes.append(MplPath.CLOSEPOLY)
        axes.add_patch(
            PathPatch(
                MplPath(vertices, codes),
                facecolor="black",
                edgecolor="none",
                antialiased=False,
            )
        )

    def save(self, png: Path, pdf: Path, *, title: str) -> None:
        """Write the page as PNG and PDF (each through a temporary file, so that no half-written
        poster is left behind)."""
        for path, fmt, extra in (
            (png, "png", {"dpi": DPI, "pil_kwargs": {"compress_level": 3}}),
            (pdf, "pdf", {"metadata": {"Title": title, "Creator": "xuncha"}}),
        ):
            partial = path.with_name(f".{path.name}.part")
            try:
                self.figure.savefig(partial, format=fmt, facecolor="white", **extra)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
