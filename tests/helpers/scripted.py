"""People acting against real bot processes: each step waits on what the emulator shows.

The in-process helpers (tests/helpers/resident.py) wait for the bot to settle; a bot in
another process (or several) cannot be asked, so these wait for the bot's next message.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

from emulator import BotApiEmulator
from emulator.models import Chat, StoredMessage, User
from storage import links
from storage.db import Database

DESCRIPTION = "机井水压低，浇地时间长还费钱，你们管不管？"
NUMBER = re.compile(r"WD\d{4}-\d+-\d{4}")
# Every step may wait for a takeover and a backlog.
STEP_TIMEOUT = 120.0


def button(message: StoredMessage, prefix: str) -> str:
    """The callback data of the message's first button with that prefix."""
    for _text, data in message.buttons:
        if data and data.startswith(prefix):
            return data
    raise AssertionError(f"no {prefix!r} button in {message.buttons}")


async def asking(emu: BotApiEmulator, user: User, prefix: str) -> StoredMessage:
    """Wait until the bot's latest message to the user offers a button with that prefix."""

    def latest() -> StoredMessage | None:
        messages = emu.bot_messages(user.id)
        if messages and any((d or "").startswith(prefix) for _t, d in messages[-1].buttons):
            return messages[-1]
        return None

    found: StoredMessage = await emu.wait_until(latest, timeout=STEP_TIMEOUT)
    return found


async def after(emu: BotApiEmulator, user: User, message: StoredMessage) -> StoredMessage:
    """Wait for a bot message to the user newer than `message`; the latest."""

    def newer() -> StoredMessage | None:
        messages = emu.bot_messages(user.id)
        if messages and messages[-1].message_id > message.message_id:
            return messages[-1]
        return None

    found: StoredMessage = await emu.wait_until(newer, timeout=STEP_TIMEOUT)
    return found


async def file_complaint(emu: BotApiEmulator, user: User) -> str:
    """The resident files an anonymous complaint in 小店村 step by step: its number."""
    emu.send_text(user, "/start v_xiaodian")
    categories = await asking(emu, user, "cat:")
    emu.press_button(user, categories, button(categories, "cat:"))
    await after(emu, user, categories)
    emu.send_text(user, DESCRIPTION)
    details = await asking(emu, user, "dd:")
    emu.press_button(user, details, button(details, "dd:"))
    ask_location = await after(emu, user, details)
    await emu.wait_until(lambda: bool(emu.bot_messages(user.id)[-1].keyboard), STEP_TIMEOUT)
    ask_location = emu.bot_messages(user.id)[-1]
    emu.send_text(user, ask_location.keyboard[-1][-1])
    step = await asking(emu, user, "id:")
    while not any((d or "").startswith("sm:") for _t, d in step.buttons):
        anonymous = next(
            d for _t, d in step.buttons if d and d.startswith("id:") and d[-2:] == ":a"
        )
        emu.press_button(user, step, anonymous)
        step = await after(emu, user, step)
    emu.press_button(user, step, button(step, "sm:").rsplit(":", 1)[0] + ":ok")

    def receipt() -> str | None:
        for message in emu.bot_messages(user.id):
            found = NUMBER.search(message.text or "")
            if found:
                return found[0]
        return None

    number: str = await emu.wait_until(receipt, timeout=STEP_TIMEOUT)
    return number


def doubles(messages: list[StoredMessage]) -> list[str]:
    """Texts the bot sent more than once to one chat (each extra copy listed once)."""
    counts = Counter(m.text for m in messages if m.text)
    return [text for text, count in counts.items() for _ in range(count - 1)]


def card_presses(
    emu: BotApiEmulator, chat: Chat, prefix: str = "cmp:acc:"
) -> dict[int, tuple[StoredMessage, str]]:
    """The group chat's buttons with that prefix, by complaint id: (message, data)."""
    found: dict[int, tuple[StoredMessage, str]] = {}
    for message in emu.bot_messages(chat.id):
        for _text, data in message.buttons:
            if data and data.startswith(prefix):
                found[int(data.split(":")[2])] = (message, data)
    return found


async def link_group(emu: BotApiEmulator, database_url: str, code: str = "g3") -> Chat:
    """A new group chat linked to inspection group `code` with /link (the bot in another
    process): the chat, whose first administrator presses the cards."""
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            link = await links.issue_code(
                session=session,
                target="group",
                code=code,
                round_code=None,
                now=datetime.now(UTC),
            )
            text = link.code
    finally:
        await database.dispose()
    admin = emu.add_user(first_name="王组长", language_code="zh")
    chat = emu.add_group(title="第三巡察组工作群", admins=[admin])
    emu.send_text(admin, f"/link {text}", chat=chat)
    await emu.wait_until(
        lambda: any("关联成功" in (m.text or "") for m in emu.bot_messages(chat.id)),
        timeout=STEP_TIMEOUT,
    )
    return chat
