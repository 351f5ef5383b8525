"""The texts of the 督办阶梯 (storage/ladder.py): the office's 督办通报 and the 超期 marks.

Worded from a notice's payload alone (like handlers/notice_texts.py), so a row reads the same
whenever it is sent.
"""

from __future__ import annotations

from html import escape
from typing import Any

from handlers.i18n import t


def _category(language: str, item: dict[str, Any]) -> str:
    """A category's name from a payload item."""
    name = item.get("category_en") if language == "en" else item.get("category_zh")
    return escape(str(name or ""))


def flag(language: str, days: int, flag_from: int) -> str:
    """The 超期 mark after a line about something `days` overdue ("" below the threshold)."""
    return t(language, "ladder.flag") if flag_from and days >= flag_from else ""


def escalation_text(payload: dict[str, Any], language: str) -> str:
    """督办通报: the round's long-overdue hand-offs, by department (no identity)."""
    flag_from = int(payload.get("flag_from", 0))
    lines = [
        t(language, "notice.escalation.title", date=escape(str(payload.get("date", "")))),
        t(
            language,
            "notice.escalation.summary",
            round=escape(str(payload.get("round", ""))),
            days=int(payload.get("office_from", 0)),
            count=int(payload.get("count", 0)),
        ),
    ]
    for department in payload.get("departments", []):
        lines.append("")
        lines.append(
            t(
                language,
                "notice.escalation.department",
                department=escape(str(department.get("name", ""))),
                count=int(department.get("count", 0)),
            )
        )
        items = list(department.get("items", []))
        for item in items:
            days = int(item.get("days", 0))
            line = t(
                language,
                "notice.escalation.line",
                number=escape(str(item.get("number", ""))),
                group=escape(str(item.get("group", ""))),
                village=escape(str(item.get("village", ""))),
                category=_category(language, item),
                date=escape(str(item.get("due_on", ""))),
                days=days,
            )
            lines.append(line + flag(language, days, flag_from))
        more = int(department.get("count", 0)) - len(items)
        if more > 0:
            lines.append(t(language, "notice.list_more", count=more))
    lines.append("")
    lines.append(t(language, "notice.escalation.closing", days=flag_from))
    return "\n".join(lines)


def flagged_lines(payload: dict[str, Any], language: str) -> list[str]:
    """A report's 超期 line: how many open complaints are that late, and their numbers."""
    flagged = dict(payload.get("flagged") or {})
    count = int(flagged.get("count", 0))
    if not count:
        return []
    numbers = [escape(str(n)) for n in flagged.get("numbers", [])]
    separator = t(language, "notice.report.separator")
    listed = separator.join(numbers)
    if count > len(numbers):
        listed += separator + t(language, "notice.list_more", count=count - len(numbers))
    return [
        t(
            language,
            "ladder.report.flagged",
            days=int(flagged.get("flag_from", 0)),
            count=count,
            numbers=listed,
        )
    ]


def assignee_lines(payload: dict[str, Any], language: str) -> list[str]:
    """A digest's lines naming each member's (承办人) overdue complaints."""
    separator = t(language, "notice.report.separator")
    return [
        t(
            language,
            "ladder.digest.assignee",
            name=escape(str(item.get("name") or "")),
            numbers=separator.join(escape(str(n)) for n in item.get("numbers", [])),
        )
        for item in payload.get("assignees", [])
    ]
