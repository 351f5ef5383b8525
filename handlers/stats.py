"""/stats and /export in an inspection group's chat or the round office's chat.

A group's chat sees its own group's complaints, the office's chat the whole round. /export
sends the ledger (台账) as an XLSX document: in a group's chat with the identity of named
complaints (the group sees it on its cards anyway), in the office's chat without any identity
(identity never goes to the office). /stats sends a text summary and a chart.

Files cannot ride in the JSON outbox: the ledger and the chart are written under
`storage.ledger.export_directory` (`exports/` next to an SQLite database) and the outbox row
names them as {"local_file": PATH} (bot/delivery.py uploads them). Files older than a week are
removed there when a new one is written.

The ledger is not written by /export itself: that runs inside the update's write transaction,
which would hold every other update (and, on SQLite, every writer) for as long as a large file
takes. /export queues a "ledger" outbox row; the sender writes the file from a read-only
snapshot when the row's turn comes (`ledger_document`) and sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CommandHandler

from handlers import calls, charts, rates_text
from handlers.calls import Call
from handlers.channels import channel_name
from handlers.group.base import GROUPS, Desk, group_handler
from handlers.i18n import language_for, t
from handlers.ladder_texts import flagged_lines
from handlers.ledger_file import write_ledger
from storage import ledger, links, outbox, rates
from storage.ledger import LedgerSummary
from storage.links import ChatRole

# Exported files are kept this long (the outbox may still have to send one after a restart).
KEEP_FILES_SECONDS = 7 * 24 * 3600
# Characters a file name shown in Telegram should not carry.
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s]+')


def _scope(role: ChatRole) -> int | None:
    """The group whose complaints the chat sees; None for the whole round (the office)."""
    return role.group_id if role.kind == "group" else None


def _scope_tag(group_id: int | None) -> str:
    """The scope in a file name."""
    return f"g{group_id}" if group_id is not None else "round"


def _directory(session: AsyncSession) -> Path:
    """Where this bot's exported files go (derived from its database, no setting)."""
    return ledger.export_directory(session.get_bind().engine.url)


def _prune(directory: Path) -> None:
    """Remove exported files older than KEEP_FILES_SECONDS."""
    if not directory.is_dir():
        return
    cutoff = time.time() - KEEP_FILES_SECONDS
    for path in directory.iterdir():
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()


def _new_file(
    session: AsyncSession,
    summary: LedgerSummary,
    kind: str,
    *,
    group_id: int | None,
    when: datetime,
    tag: str,
    suffix: str,
) -> Path:
    """A file name in the export directory, unique by `tag` (after pruning old files)."""
    directory = _directory(session)
    _prune(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    scope = _scope_tag(group_id)
    return directory / f"{kind}-{summary.round_code}-{scope}-{stamp}-{tag}{suffix}"


def _local(summary: LedgerSummary, when: datetime) -> datetime:
    """A moment on the round's clock."""
    return when.astimezone(ZoneInfo(summary.timezone))


def _scope_name(summary: LedgerSummary) -> str:
    """The group's name, or the round's for the office."""
    return summary.group_name or summary.round_name


def _allowed(desk: Desk) -> ChatRole | None:
    """The chat's role if /stats and /export work here; a refusal to a department's chat."""
    role = desk.role
    if role is None:
        return None  # an unlinked chat hears nothing
    if role.kind not in ("group", "office"):
        desk.reply(desk.text("stats.not_here"))
        return None
    return role


def _file_param(path: Path, filename: str) -> dict[str, Any]:
    """An outbox parameter naming a local file to upload (see bot/delivery.py)."""
    return {"local_file": str(path), "filename": filename}


def summary_text(desk: Desk, summary: LedgerSummary) -> str:
    """The /stats message."""
    language = desk.language
    separator = desk.text("stats.separator")
    lines = [
        desk.text(
            "stats.title",
            scope=escape(_scope_name(summary)),
            round=escape(f"{summary.round_code} {summary.round_name}"),
            at=_local(summary, desk.now).strftime("%Y-%m-%d %H:%M"),
        )
    ]
    if summary.total == 0:
        lines.append(desk.text("stats.empty"))
        return "\n".join(lines)
    statuses = separator.join(
        desk.text("stats.item", name=desk.text(f"status.{status}"), count=n)
        for status, n in summary.by_status.items()
        if n
    )
    categories = separator.join(
        desk.text(
            "stats.item",
            name=escape(category.name_en if language == "en" else category.name_zh),
            count=category.count,
        )
        for category in summary.by_category
        if category.count
    )
    channels = separator.join(
        desk.text("stats.item", name=channel_name(language, code), count=n)
        for code, n in summary.by_channel.items()
        if n
    )
    lines += [
        desk.text("stats.total", total=summary.total),
        desk.text("stats.by_status", items=statuses),
        desk.text("stats.by_channel", items=channels),
        desk.text("stats.by_category", items=categories),
        desk.text("stats.handling", **summary.by_handling),
    ]
    share = summary.satisfied_share
    if share is None:
        lines.append(desk.text("stats.satisfaction.none"))
    else:
        lines.append(
            desk.text(
                "stats.satisfaction",
                satisfied=summary.satisfaction.get("satisfied", 0),
                basic=summary.satisfaction.get("basic", 0),
                unsatisfied=summary.satisfaction.get("unsatisfied", 0),
                share=f"{share:.0%}",
            )
        )
    if summary.rates is not None:
        payload = rates.rates_payload(summary.rates)
        lines += rates_text.rates_lines(language, payload, office=summary.group_name is None)
    lines += flagged_lines({"flagged": summary.flagged}, language)
    return "\n".join(lines)


@group_handler
async def on_stats(desk: Desk) -> None:
    """/stats: a text summary, and a chart of statuses and categories when there is anything."""
    role = _allowed(desk)
    if role is None:
        return
    summary = await ledger.ledger_summary(
        session=desk.session, round_id=role.round_id, group_id=_scope(role), now=desk.now
    )
    desk.reply(summary_text(desk, summary))
    if summary.total == 0:
        return
    path = _new_file(
        desk.session,
        summary,
        "stats",
        group_id=_scope(role),
        when=desk.now,
        tag=secrets.token_hex(4),
        suffix=".png",
    )
    # Drawing takes a moment of CPU: off the event loop (the chart code touches no globals).
    await asyncio.to_thread(charts.render_stats_chart, summary, desk.language, path)
    caption = desk.text("stats.chart.caption", scope=escape(_scope_name(summary)))
    desk.context.queue(desk.chat_id, calls.photo(_file_param(path, "stats.png"), caption))


@group_handler
async def on_export(desk: Desk) -> None:
    """/export: queue the ledger (the group's own, or the whole round's); see ledger_document."""
    role = _allowed(desk)
    if role is None:
        return
    message = desk.message
    # Telegram shows "sending a file…" at once; the file may take a while to write.
    desk.context.call(desk.chat_id, "sendChatAction", action=ChatAction.UPLOAD_DOCUMENT.value)
    outbox.enqueue_ledger(
        session=desk.session,
        chat_id=desk.chat_id,
        round_id=role.round_id,
        group_id=_scope(role),
        # Identity never goes to the office: its ledger is the shareable one.
        shareable=role.kind == "office",
        language=desk.language,
        reply_to=message.message_id if message is not None else None,
        now=desk.now,
    )


def _asked(payload: dict[str, Any]) -> tuple[int, int | None, bool]:
    """The round, the group (None: the whole round) and shareability of a ledger row."""
    group_id = payload.get("group_id")
    return (
        int(payload["round_id"]),
        int(group_id) if group_id is not None else None,
        bool(payload["shareable"]),
    )


async def ledger_wanted(*, session: AsyncSession, chat_id: int, payload: dict[str, Any]) -> bool:
    """Whether the chat still serves the ledger it asked for (it may have been relinked)."""
    role = await links.chat_role(session=session, chat_id=chat_id)
    round_id, group_id, shareable = _asked(payload)
    if role is None or role.kind not in ("group", "office") or role.round_id != round_id:
        return False
    return _scope(role) == group_id and shareable == (role.kind == "office")


async def ledger_document(
    *, session: AsyncSession, chat_id: int, row_id: int, payload: dict[str, Any]
) -> list[Call]:
    """The sendDocument of a ledger asked for with /export (outbox row `row_id`, kind "ledger").

    Writes the XLSX now, from `session`: the outbox sender passes a read-only snapshot, never a
    write transaction (a large round takes many seconds). The file is named after the row, and
    dated, like its caption, at the request. The caller (ledger_row.render_ledger) has checked
    `ledger_wanted` in the same snapshot: a relinked chat must not get another group's identities.
    """
    round_id, group_id, shareable = _asked(payload)
    requested = datetime.fromisoformat(str(payload["requested_at"]))
    language = language_for(payload.get("language"))
    summary = await ledger.ledger_summary(
        session=session, round_id=round_id, group_id=group_id, now=requested
    )
    path = _new_file(
        session,
        summary,
        "ledger",
        group_id=group_id,
        when=requested,
        tag=f"r{row_id}",
        suffix=".xlsx",
    )
    rows = ledger.ledger_rows(
        session=session, round_id=round_id, shareable=shareable, group_id=group_id, now=requested
    )
    count = await write_ledger(path, rows, summary, exported_at=requested)
    local = _local(summary, requested)
    shown = UNSAFE_NAME.sub("-", f"台账-{summary.round_code}-{_scope_name(summary)}")
    key = "export.caption.shareable" if shareable else "export.caption"
    caption = t(
        language,
        key,
        scope=escape(_scope_name(summary)),
        count=count,
        at=local.strftime("%Y-%m-%d %H:%M"),
    )
    file = _file_param(path, f"{shown}-{local:%Y%m%d-%H%M}.xlsx")
    reply_to = payload.get("reply_to")
    return [
        calls.document(
            file,
            caption,
            chat_id=chat_id,
            reply_to=int(reply_to) if reply_to is not None else None,
        )
    ]


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """/stats and /export, for group chats only (silent in an unlinked chat)."""
    return [
        CommandHandler("stats", on_stats, filters=GROUPS),
        CommandHandler("export", on_export, filters=GROUPS),
    ]


__all__ = [
    "handlers",
    "ledger_document",
    "ledger_wanted",
    "on_export",
    "on_stats",
    "summary_text",
]
