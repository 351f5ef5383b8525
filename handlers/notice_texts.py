"""Group and office notices, worded from their payload alone: the daily digest, the weekly and
final reports, the round's opening and its warning a day before the end.

The payload holds the numbers as of the sweep (storage/schedule); each text is a function of
(payload, language), so it reads the same whenever the row is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from handlers import rates_text
from handlers.channels import channel_name
from handlers.group import cards
from handlers.hotspot_texts import hotspot_lines
from handlers.i18n import t
from handlers.ladder_texts import assignee_lines, flag, flagged_lines
from storage.notices import NoticeKind

# Items of a list shown before "… and N more".
LIST_MAX = 20


def _placeholders(names: tuple[str, ...], renamed: dict[str, str]) -> dict[str, str]:
    """Placeholder -> payload field: `names` are both, `renamed` are placeholder=field."""
    return {**{name: name for name in names}, **renamed}


def text_fields(source: dict[str, Any], *names: str, **renamed: str) -> dict[str, str]:
    """Placeholders filled with a payload's text fields, HTML-escaped ("" when missing)."""
    fields = _placeholders(names, renamed)
    return {key: escape(str(source.get(field, ""))) for key, field in fields.items()}


def count_fields(source: dict[str, Any], *names: str, **renamed: str) -> dict[str, Any]:
    """Placeholders filled with a payload's numbers (0 when missing)."""
    fields = _placeholders(names, renamed)
    return {key: source.get(field, 0) for key, field in fields.items()}


def _more(language: str, total: int, shown: int) -> list[str]:
    """A last line saying how many were left out, if any."""
    return [t(language, "notice.list_more", count=total - shown)] if total > shown else []


def _section(
    language: str,
    title: str,
    line: str,
    items: list[dict[str, Any]],
    fields: Callable[[dict[str, Any]], dict[str, Any]],
) -> list[str]:
    """A title and one line per payload item (title, line: their keys); none without items."""
    if not items:
        return []
    return [t(language, title), *(t(language, line, **fields(item)) for item in items)]


def _category(language: str, item: dict[str, Any]) -> str:
    """A category's name from a payload item."""
    name = item.get("category_en") if language == "en" else item.get("category_zh")
    return escape(str(name or ""))


def digest_text(payload: dict[str, Any], language: str) -> str:
    """The daily digest: what came in and what changed since yesterday, what is open."""
    lines = [
        t(
            language,
            "notice.digest.title",
            date=payload.get("date", ""),
            at=payload.get("at", ""),
            **text_fields(payload, "group"),
        ),
        t(
            language,
            "notice.digest.summary",
            **count_fields(payload, "changes", new="new_count", resolved="resolved_count"),
        ),
    ]
    new = list(payload.get("new", []))
    if new:
        lines += _section(
            language,
            "notice.digest.new_title",
            "notice.digest.new_line",
            new,
            lambda item: {
                "category": _category(language, item),
                **text_fields(item, "number", "village"),
            },
        )
        lines += _more(language, int(payload.get("new_count", 0)), len(new))
    counts = count_fields(payload, "open", overdue="overdue_count")
    lines.append(t(language, "notice.digest.open", **counts))
    overdue = list(payload.get("overdue", []))
    flag_from = int(payload.get("flag_from", 0))
    lines += [
        t(
            language,
            "notice.digest.overdue_line",
            date=item.get("due_on", ""),
            flag=flag(language, int(item.get("days", 0)), flag_from),
            **count_fields(item, "days"),
            **text_fields(item, "number"),
        )
        for item in overdue
    ]
    lines += _more(language, int(payload.get("overdue_count", 0)), len(overdue))
    lines += assignee_lines(payload, language)
    return "\n".join(lines)


def _duration(language: str, hours: float | None) -> str:
    """A median duration: hours up to two days, then days."""
    if hours is None:
        return t(language, "notice.report.no_value")
    if hours < 48:
        return t(language, "notice.report.hours", value=f"{hours:.1f}")
    return t(language, "notice.report.days", value=f"{hours / 24:.1f}")


def _items(language: str, pairs: list[tuple[str, int]]) -> str:
    """ "name n, name n" (non-zero counts only)."""
    separator = t(language, "notice.report.separator")
    return separator.join(
        t(language, "notice.report.item", name=name, count=count) for name, count in pairs if count
    )


def _scope(payload: dict[str, Any], language: str) -> str:
    """Whom a report is about: the group, or the whole round (the office's report)."""
    if payload.get("group"):
        return escape(str(payload["group"]))
    return t(language, "notice.report.whole_round")


def _report_title(payload: dict[str, Any], language: str) -> str:
    """A report's first line: the round's dates for the final one, the week's for a weekly."""
    scope = _scope(payload, language)
    if payload.get("notice") == NoticeKind.final:
        return t(
            language,
            "notice.final.title",
            scope=scope,
            starts=payload.get("starts_on", ""),
            ends=payload.get("ends_on", ""),
            **text_fields(payload, "round"),
        )
    return t(
        language,
        "notice.weekly.title",
        # The office's report is about the whole round: named by the round.
        scope=scope if payload.get("group") else escape(str(payload.get("round", ""))),
        week=payload.get("week", ""),
        date=payload.get("date", ""),
        at=payload.get("at", ""),
    )


def _report_numbers(payload: dict[str, Any], language: str) -> list[str]:
    """A report's numbers: totals, handling, statuses, categories, medians, satisfaction."""
    lines = [t(language, "notice.report.total", total=int(payload.get("total", 0)))]
    if "new_in_week" in payload:
        counts = count_fields(payload, new="new_in_week", resolved="resolved_in_week")
        lines.append(t(language, "notice.weekly.week", **counts))
    handling = count_fields(
        dict(payload.get("handling", {})), "immediate", "handed_off", "transferred", "rejected"
    )
    lines.append(t(language, "notice.report.handling", **handling))
    statuses = [
        (cards.status_name(language, status), int(count))
        for status, count in dict(payload.get("by_status", {})).items()
    ]
    lines.append(t(language, "notice.report.by_status", items=_items(language, statuses)))
    categories = [
        (escape(str(item.get("en" if language == "en" else "zh", ""))), int(item["count"]))
        for item in payload.get("by_category", [])
    ]
    lines.append(t(language, "notice.report.by_category", items=_items(language, categories)))
    channels = [
        (channel_name(language, str(code)), int(count))
        for code, count in dict(payload.get("by_channel", {})).items()
        if count
    ]
    if channels:
        lines.append(t(language, "notice.report.by_channel", items=_items(language, channels)))
    lines.append(
        t(
            language,
            "notice.report.medians",
            accept=_duration(language, payload.get("median_accept_hours")),
            resolve=_duration(language, payload.get("median_resolve_hours")),
        )
    )
    satisfaction = count_fields(
        dict(payload.get("satisfaction", {})), "satisfied", "basic", "unsatisfied", "no_answer"
    )
    lines.append(t(language, "notice.report.satisfaction", **satisfaction))
    if "rates" in payload:
        # The office's report ranks the groups and the departments.
        office = not payload.get("group")
        lines += rates_text.rates_lines(language, dict(payload["rates"]), office=office)
    return lines


def report_text(payload: dict[str, Any], language: str) -> str:
    """The weekly or final report, phrased like the round office's."""
    lines = [_report_title(payload, language)]
    if not int(payload.get("total", 0)):
        lines.append(t(language, "notice.report.empty"))
    else:
        lines += _report_numbers(payload, language)
    lines += flagged_lines(payload, language)
    lines += _section(
        language,
        "notice.report.groups_title",
        "notice.report.group_line",
        list(payload.get("groups", []))[:LIST_MAX],
        lambda item: {**count_fields(item, "total", "open"), **text_fields(item, group="name")},
    )
    lines += hotspot_lines(payload, language)
    if payload.get("notice") == NoticeKind.final:
        contact = escape(str(payload.get("contact") or "")) or t(language, "closed.no_contact")
        lines.append(t(language, "notice.final.closing", contact=contact))
    return "\n".join(lines)


def opening_text(payload: dict[str, Any], language: str) -> str:
    """The round has started (today, or earlier for a chat linked later)."""
    key = (
        "notice.round_open.today" if payload.get("started_today") else "notice.round_open.running"
    )
    separator = t(language, "notice.report.separator")
    villages = separator.join(escape(str(name)) for name in payload.get("villages", []))
    return t(
        language,
        key,
        starts=payload.get("starts_on", ""),
        ends=payload.get("ends_on", ""),
        villages=villages or "—",
        **text_fields(payload, "round", "group"),
    )


def warning_text(payload: dict[str, Any], language: str) -> str:
    """The round ends tomorrow."""
    return t(
        language,
        "notice.round_warn",
        ends=payload.get("ends_on", ""),
        **count_fields(payload, "open", "overdue"),
        **text_fields(payload, "round", "group"),
    )
