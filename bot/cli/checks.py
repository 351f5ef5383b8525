"""The checks of `xuncha doctor`: each one line, ✅ or ❌ with what to do (➖: not checked,
because what it needs failed first)."""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.cli.common import database_label, sqlite_file
from bot.cli.i18n import say
from bot.config import Settings


@dataclass(frozen=True)
class Check:
    """One line of the doctor's answer."""

    ok: bool | None  # None: not checked
    text: str

    def __str__(self) -> str:
        """The line as printed."""
        icon = "➖" if self.ok is None else "✅" if self.ok else "❌"
        return f"{icon} {self.text}"


@dataclass
class Findings:
    """What the checks found, in the order they are printed."""

    telegram: list[Check] = field(default_factory=list)
    privacy: list[Check] = field(default_factory=list)
    database: list[Check] = field(default_factory=list)
    webhook: list[Check] = field(default_factory=list)
    console: list[Check] = field(default_factory=list)
    chats: list[Check] = field(default_factory=list)
    outbox: list[Check] = field(default_factory=list)

    def lines(self) -> list[Check]:
        """Every check, in order."""
        return [
            *self.telegram,
            *self.privacy,
            *self.database,
            *self.webhook,
            *self.console,
            *self.chats,
            *self.outbox,
        ]


async def run_checks(settings: Settings) -> list[Check]:
    """Check the token, the Bot API server, privacy mode, the database, the webhook, the
    console's address, the linked chats and the outbox."""
    from telegram.error import TelegramError

    from bot.bot_api import plain_bot

    found = Findings()
    bot = plain_bot(settings) if settings.telegram_bot_token.strip() else None
    me = await _telegram(settings, bot, found) if bot is not None else None
    if bot is None:
        found.telegram.append(Check(False, say("doctor.token.missing")))
        found.telegram.append(Check(None, say("doctor.server.unchecked", root=settings.api_root)))
    schema_ok = await _database(settings, found)
    _console(settings, found)
    try:
        if me is not None and bot is not None:
            await _webhook(settings, bot, found)
        admin_everywhere = True
        if schema_ok:
            admin_everywhere = await _chats(settings, bot if me else None, found)
            await _outbox(settings, found)
        if me is not None:
            if me.get("can_read_all_group_messages"):
                found.privacy.append(Check(True, say("doctor.privacy.off")))
            elif admin_everywhere and schema_ok:
                found.privacy.append(Check(True, say("doctor.privacy.admin")))
            else:
                found.privacy.append(Check(False, say("doctor.privacy.on")))
    finally:
        if me is not None and bot is not None:
            with contextlib.suppress(TelegramError):
                await bot.shutdown()
    return found.lines()


async def _telegram(settings: Settings, bot: Any, found: Findings) -> dict[str, Any] | None:
    """getMe: the server answers, the token is accepted; returns getMe's answer."""
    from telegram.error import BadRequest, InvalidToken, NetworkError

    root = settings.api_root
    via = (
        say("doctor.via_proxy", proxy=settings.telegram_proxy_url)
        if settings.telegram_proxy_url
        else ""
    )
    try:
        await bot.initialize()
        me = await bot.get_me()
    except InvalidToken:
        found.telegram.append(Check(True, say("doctor.server.ok", root=root, via=via)))
        found.telegram.append(Check(False, say("doctor.token.rejected")))
        return None
    except NetworkError as exc:
        if isinstance(exc, BadRequest):
            raise
        reason = " ".join(str(exc).split())[:160]
        found.telegram.append(
            Check(False, say("doctor.server.unreachable", root=root, via=via, reason=reason))
        )
        found.telegram.append(Check(None, say("doctor.token.unchecked")))
        return None
    found.telegram.append(Check(True, say("doctor.server.ok", root=root, via=via)))
    found.telegram.append(Check(True, say("doctor.token.ok", username=me.username, id=me.id)))
    return dict(me.to_dict())


async def _database(settings: Settings, found: Findings) -> bool:
    """The database is there, reachable, and its schema is the newest; whether it is."""
    from bot.cli.common import check_connection
    from bot.cli.failures import CliFailure
    from storage.migrate import current_revision, head_revision

    url = settings.database_url
    label = database_label(url)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        found.database.append(Check(False, say("doctor.db.missing", where=label)))
        return False
    try:
        await check_connection(url)
    except CliFailure as exc:
        found.database.append(
            Check(False, say("doctor.db.unreachable", where=label, reason=exc.lines[0]))
        )
        return False
    current, head = await current_revision(url), head_revision()
    if current == head:
        found.database.append(Check(True, say("doctor.db.ok", where=label, version=head)))
        return True
    found.database.append(
        Check(False, say("doctor.db.old", where=label, version=current or "-", head=head))
    )
    return False


async def _webhook(settings: Settings, bot: Any, found: Findings) -> None:
    """getWebhookInfo: set to WEBHOOK_URL, what is pending, the last error."""
    info = await bot.get_webhook_info()
    if not settings.webhook_mode:
        text = (
            say("doctor.polling.webhook_left", url=info.url) if info.url else say("doctor.polling")
        )
        found.webhook.append(Check(True, text))
        return
    if info.url != settings.webhook_url:
        found.webhook.append(
            Check(
                False,
                say(
                    "doctor.webhook.other",
                    url=settings.webhook_url,
                    actual=info.url or say("doctor.webhook.none"),
                ),
            )
        )
        return
    found.webhook.append(
        Check(True, say("doctor.webhook.ok", url=info.url, pending=info.pending_update_count))
    )
    if info.last_error_message:
        when = f"{info.last_error_date:%Y-%m-%d %H:%M} UTC" if info.last_error_date else "-"
        found.webhook.append(
            Check(False, say("doctor.webhook.error", when=when, error=info.last_error_message))
        )


def _console(settings: Settings, found: Findings) -> None:
    """CONSOLE_URL, when set: https, or plain http only on this machine (login links and the
    console's session cookie would cross the network readable, with residents' names)."""
    url = settings.console_url
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme == "https":
        found.console.append(Check(True, say("doctor.console.ok", url=url)))
    elif _is_loopback(parts.hostname or ""):
        found.console.append(Check(True, say("doctor.console.local", url=url)))
    else:
        found.console.append(Check(False, say("doctor.console.plain", url=url)))


def _is_loopback(host: str) -> bool:
    """Whether a URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _chats(settings: Settings, bot: Any, found: Findings) -> bool:
    """Each linked chat: the bot still in it, its last delivery; whether the bot is an
    administrator of every one (then privacy mode does not matter)."""
    from telegram.error import TelegramError

    from storage import linked_chats
    from storage.db import Database

    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            chats = await linked_chats.linked_chats(session=session)
    finally:
        await database.dispose()
    if not chats:
        found.chats.append(Check(True, say("doctor.chats.none")))
    admin_everywhere = True
    for chat in chats:
        what = say(
            "doctor.chat.what",
            name=chat.name,
            target=say(f"target.{chat.target}"),
            round=chat.round_code,
            chat=chat.chat_id,
        )
        if bot is None:
            found.chats.append(Check(None, say("doctor.chat.unchecked", what=what)))
            admin_everywhere = False
            continue
        try:
            member = await bot.get_chat_member(chat.chat_id, bot.id)
            status = str(member.status)
        except TelegramError as exc:
            status, reason = "", " ".join(str(exc).split())
        else:
            reason = status
        if status in ("administrator", "creator"):
            state = say("doctor.chat.admin")
        elif status in ("member", "restricted"):
            state = say("doctor.chat.member")
            admin_everywhere = False
        else:
            admin_everywhere = False
            found.chats.append(Check(False, say("doctor.chat.gone", what=what, reason=reason)))
            continue
        if chat.last_status == "failed":
            when = f"{chat.last_at:%Y-%m-%d %H:%M}" if chat.last_at else "-"
            found.chats.append(
                Check(
                    False,
                    say(
                        "doctor.chat.failed",
                        what=what,
                        state=state,
                        when=when,
                        error=chat.last_error or "-",
                    ),
                )
            )
        elif chat.last_status == "sent":
            when = f"{chat.last_at:%Y-%m-%d %H:%M}" if chat.last_at else "-"
            found.chats.append(
                Check(True, say("doctor.chat.sent", what=what, state=state, when=when))
            )
        else:
            found.chats.append(Check(True, say("doctor.chat.nothing", what=what, state=state)))
    return admin_everywhere


async def _outbox(settings: Settings, found: Findings) -> None:
    """Rows that failed for good."""
    from storage import outbox
    from storage.db import Database

    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            summary = await outbox.counts(session=session, failures=0)
    finally:
        await database.dispose()
    if summary.failed:
        found.outbox.append(Check(False, say("doctor.outbox.failed", failed=summary.failed)))
    else:
        found.outbox.append(Check(True, say("doctor.outbox.ok", pending=summary.pending)))
