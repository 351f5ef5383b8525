"""/help, /open, /find and /overdue in a group chat.

An unlinked chat hears nothing but the answers to /link and /help; the lists are for a chat
that serves an inspection group.
"""

from __future__ import annotations

from datetime import date
from html import escape
from zoneinfo import ZoneInfo

from handlers.group import cards
from handlers.group.base import Desk, group_handler
from storage import triage
from storage.links import ChatRole

MAX_NUMBER = 40
# A list message stays well within Telegram's 4096 characters.
LIST_BUDGET = 3800


def _today(desk: Desk, timezone: str) -> date:
    """Today on the round's clock."""
    return desk.now.astimezone(ZoneInfo(timezone)).date()


@group_handler
async def on_help(desk: Desk) -> None:
    """What the bot does in this chat and the commands that work here (and, in an unlinked
    chat, how to link it). Each kind's text lists only its own commands: /stats and /export
    (handlers/stats.py) in a group's and the office's chat, never in a department's."""
    kind = desk.role.kind if desk.role is not None else "unlinked"
    if kind not in ("group", "department", "office"):
        kind = "unlinked"
    desk.reply(desk.text(f"group.help.{kind}"))


def _list(desk: Desk, title: str, lines: list[str], more_key: str) -> str:
    """A title and as many lines as fit; a last line says how many were left out."""
    shown: list[str] = [title]
    used = cards.units(title)
    for index, line in enumerate(lines):
        if used + cards.units(line) + 1 > LIST_BUDGET:
            shown.append(desk.text(more_key, count=len(lines) - index))
            break
        shown.append(line)
        used += cards.units(line) + 1
    return "\n".join(shown)


def _group_role(desk: Desk) -> ChatRole | None:
    """The chat's role if it serves an inspection group; a linked chat of another kind is
    told the command is a group's (an unlinked chat hears nothing)."""
    if desk.role is None:
        return None
    if not desk.is_group or desk.role.group_id is None:
        desk.reply(desk.text("group.only_group"))
        return None
    return desk.role


@group_handler
async def on_open(desk: Desk) -> None:
    """The group's open complaints, oldest first, with their age in days."""
    role = _group_role(desk)
    if role is None or role.group_id is None:
        return
    found = await triage.open_complaints(session=desk.session, group_id=role.group_id)
    if not found:
        desk.reply(desk.text("group.open.none"))
        return
    language = desk.language
    lines = []
    for view in found:
        filed = view.filed_at.astimezone(ZoneInfo(view.timezone)).date()
        lines.append(
            desk.text(
                "group.open.line",
                number=escape(view.number),
                status=cards.status_name(language, view.status),
                village=escape(view.village),
                category=cards.category_name(language, view),
                days=max((_today(desk, view.timezone) - filed).days, 0),
            )
        )
    title = desk.text("group.open.title", count=len(found))
    desk.reply(_list(desk, title, lines, "group.list.more"))


@group_handler
async def on_find(desk: Desk) -> None:
    """/find NUMBER: the complaint's card as a new message, with its buttons."""
    role = _group_role(desk)
    if role is None or role.group_id is None:
        return
    args = desk.context.args or []
    if len(args) != 1:
        desk.reply(desk.text("group.find.usage"))
        return
    number = args[0][:MAX_NUMBER]
    view = await triage.find(session=desk.session, group_id=role.group_id, number=number)
    if view is None:
        desk.reply(desk.text("group.find.not_found", number=escape(number)))
        return
    text, markup = cards.card(view, desk.language)
    desk.send(text, markup, reply_to=desk.message.message_id if desk.message else None)


@group_handler
async def on_overdue(desk: Desk) -> None:
    """The group's complaints past their due date, most overdue first."""
    role = _group_role(desk)
    if role is None or role.group_id is None:
        return
    today = _today(desk, role.timezone)
    found = await triage.overdue(session=desk.session, group_id=role.group_id, today=today)
    if not found:
        desk.reply(desk.text("group.overdue.none"))
        return
    language = desk.language
    lines = []
    for view in found:
        due = view.due_on or today
        lines.append(
            desk.text(
                "group.overdue.line",
                number=escape(view.number),
                status=cards.status_name(language, view.status),
                due=cards.day(due),
                days=(today - due).days,
                department=escape(view.department_name or "—"),
            )
        )
    title = desk.text("group.overdue.title", count=len(found))
    desk.reply(_list(desk, title, lines, "group.list.more"))
