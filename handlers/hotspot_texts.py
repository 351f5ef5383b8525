"""热点提示 worded from its payload (storage/schedule/hotspots.py), and the reports' hot spots."""

from __future__ import annotations

from html import escape
from typing import Any

from handlers.i18n import t


def _category(language: str, item: dict[str, Any]) -> str:
    """A category's name from a payload (item)."""
    name = item.get("category_en") if language == "en" else item.get("category_zh")
    return escape(str(name or ""))


def _listed(values: list[Any]) -> str:
    """Names or numbers, escaped, joined the Chinese way."""
    return "、".join(escape(str(v)) for v in values)


def hotspot_line(payload: dict[str, Any], language: str) -> str:
    """One line saying what the hot spot is: kind, category or village, how many, where."""
    kind = str(payload.get("kind", "category"))
    villages = list(payload.get("villages", []))
    values = {
        "count": int(payload.get("count", 0)),
        "village_count": int(payload.get("village_count", 0)),
        "days": int(payload.get("days", 7)),
        "category": _category(language, payload),
        "villages": _listed(villages),
        "village": escape(str(villages[0])) if villages else "",
        "categories": _listed(
            [
                t(
                    language,
                    "notice.hotspot.category_count",
                    category=_category(language, c),
                    count=int(c.get("count", 0)),
                )
                for c in payload.get("categories", [])
            ]
        ),
    }
    if kind == "village":
        line = t(language, "notice.hotspot.village", **values)
    elif kind == "text":
        line = t(language, "notice.hotspot.text", **values)
    else:
        line = t(language, "notice.hotspot.category", **values)
    phrases = list(payload.get("phrases", []))
    if phrases:
        line += t(language, "notice.hotspot.phrases", phrases=_listed(phrases))
    return line


def hotspot_text(payload: dict[str, Any], language: str) -> str:
    """The 热点提示 to the office's or a group's chat."""
    lines = [
        t(language, "notice.hotspot.title", days=int(payload.get("days", 7))),
        hotspot_line(payload, language),
        t(language, "notice.hotspot.numbers", numbers=_listed(list(payload.get("numbers", [])))),
    ]
    shown, total = len(payload.get("numbers", [])), int(payload.get("count", 0))
    if total > shown:
        lines.append(t(language, "notice.list_more", count=total - shown))
    lines.append(t(language, "notice.hotspot.advice"))
    return "\n".join(lines)


def hotspot_lines(payload: dict[str, Any], language: str) -> list[str]:
    """A report's hot spots (热点): a title and one line each; none when there were none."""
    hotspots = list(payload.get("hotspots", []))
    if not hotspots:
        return []
    final = payload.get("notice") == "final"
    title = "notice.report.hotspots_title" if final else "notice.report.hotspots_week"
    lines = [t(language, title, count=int(payload.get("hotspot_count", len(hotspots))))]
    lines += [
        t(language, "notice.report.hotspot_line", line=hotspot_line(h, language)) for h in hotspots
    ]
    total = int(payload.get("hotspot_count", len(hotspots)))
    if total > len(hotspots):
        lines.append(t(language, "notice.list_more", count=total - len(hotspots)))
    return lines
