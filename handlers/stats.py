"""/stats and /export in an inspection group's chat or the round office's chat.

A group's chat sees its own group's complaints, the office's chat the whole round. /export
sends the ledger (台账) as an XLSX document: in a group's chat with the identity of named
complaints (the group sees it on its cards anyway), in the office's chat without any identity
(identity never goes to the office). /stats sends a text summary and a chart.

Files cannot ride in the JSON outbox: the ledger and the chart are written under
`storage.ledger.export_directory` (`exports/` next to an SQLite database) and the outbox row
names them as {"local_file": PATH} (bot/sender.py uploads them). Files older than a week are
removed there when a new one is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler

from handlers import charts
from handlers.group.base import GROUPS, Desk, group_handler
from handlers.ledger_file import write_ledger
from storage import ledger
from storage.ledger import LedgerSummary
from storage.links import ChatRole

# Exported files are kept this long (the outbox may still have to send one after a restart).
KEEP_FILES_SECONDS = 7 * 24 * 3600
# Characters a file name shown in Telegram should not carry.
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s]+')


def _scope(role: ChatRole) -> int | None:
    """The group whose complaints the chat sees; None for the whole round (the office)."""
    return role.group_id if role.kind == "group" else None


def _directory(desk: Desk) -> Path:
    """Where this bot's exported files go (derived from its database, no setting)."""
    return ledger.export_directory(desk.session.get_bind().engine.url)


def _prune(directory: Path) -> None:
    """Remove exported files older than KEEP_FILES_SECONDS."""
    if not directory.is_dir():
        return
    cutoff = time.time() - KEEP_FILES_SECONDS
    for path in directory.iterdir():
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()


def _new_file(desk: Desk, summary: LedgerSummary, kind: str, suffix: str) -> Path:
    """A fresh file name in the export directory (after pruning old files)."""
    directory = _directory(desk)
    _prune(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = desk.now.strftime("%Y%m%dT%H%M%SZ")
    assert desk.role is not None
    scope = f"g{desk.role.group_id}" if desk.role.kind == "group" else "round"
    token = secrets.token_hex(4)
    return directory / f"{kind}-{summary.round_code}-{scope}-{stamp}-{token}{suffix}"


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
    """An outbox parameter naming a local file to upload (see bot/sender.py)."""
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
    lines += [
        desk.text("stats.total", total=summary.total),
        desk.text("stats.by_status", items=statuses),
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
    return "\n".join(lines)


def _reply_parameters(desk: Desk) -> dict[str, Any]:
    """Answer the command's message."""
    message = desk.message
    if message is None:
        return {}
    return {
        "reply_parameters": {
            "message_id": message.message_id,
            "allow_sending_without_reply": True,
        }
    }


@group_handler
async def on_stats(desk: Desk) -> None:
    """/stats: a text summary, and a chart of statuses and categories when there is anything."""
    role = _allowed(desk)
    if role is None:
        return
    summary = await ledger.ledger_summary(
        session=desk.session, round_id=role.round_id, group_id=_scope(role)
    )
    desk.reply(summary_text(desk, summary))
    if summary.total == 0:
        return
    path = _new_file(desk, summary, "stats", ".png")
    # Drawing takes a moment of CPU: off the event loop (the chart code touches no globals).
    await asyncio.to_thread(charts.render_stats_chart, summary, desk.language, path)
    desk.context.call(
        desk.chat_id,
        "sendPhoto",
        photo=_file_param(path, "stats.png"),
        caption=desk.text("stats.chart.caption", scope=escape(_scope_name(summary))),
        parse_mode=ParseMode.HTML.value,
    )


@group_handler
async def on_export(desk: Desk) -> None:
    """/export: the ledger as an XLSX document (the group's own, or the whole round's)."""
    role = _allowed(desk)
    if role is None:
        return
    # Identity never goes to the office: its ledger is the shareable one.
    shareable = role.kind == "office"
    group_id = _scope(role)
    summary = await ledger.ledger_summary(
        session=desk.session, round_id=role.round_id, group_id=group_id
    )
    path = _new_file(desk, summary, "ledger", ".xlsx")
    rows = ledger.ledger_rows(
        session=desk.session, round_id=role.round_id, shareable=shareable, group_id=group_id
    )
    count = await write_ledger(path, rows, summary, exported_at=desk.now)
    local = _local(summary, desk.now)
    shown = UNSAFE_NAME.sub("-", f"台账-{summary.round_code}-{_scope_name(summary)}")
    key = "export.caption.shareable" if shareable else "export.caption"
    desk.context.call(
        desk.chat_id,
        "sendDocument",
        document=_file_param(path, f"{shown}-{local:%Y%m%d-%H%M}.xlsx"),
        caption=desk.text(
            key,
            scope=escape(_scope_name(summary)),
            count=count,
            at=local.strftime("%Y-%m-%d %H:%M"),
        ),
        parse_mode=ParseMode.HTML.value,
        **_reply_parameters(desk),
    )


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """/stats and /export, for group chats only (silent in an unlinked chat)."""
    return [
        CommandHandler("stats", on_stats, filters=GROUPS),
        CommandHandler("export", on_export, filters=GROUPS),
    ]


__all__ = ["handlers", "on_export", "on_stats", "summary_text"]
