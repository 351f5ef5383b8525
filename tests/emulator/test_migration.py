"""A basic group upgraded to a supergroup: a new chat id, two service messages, and the error
every call to the old id answers with."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot
from telegram.error import ChatMigrated
from telegram.ext import filters

from emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio


async def test_a_group_becomes_a_supergroup_with_a_new_id(emu: BotApiEmulator, bot: Bot) -> None:
    admin, member = emu.add_user("Admin"), emu.add_user("Member")
    group = emu.add_group("组", admins=[admin], members=[member], kind="group")
    assert group.id > -1_000_000_000_000, "a basic group's id is not a -100... one"
    await bot.send_message(group.id, "before")

    supergroup = emu.migrate_group(group)

    assert supergroup.type == "supergroup" and supergroup.id != group.id
    assert str(supergroup.id).startswith("-100")
    assert (group.migrated_to_chat_id, supergroup.migrated_from_chat_id) == (
        supergroup.id,
        group.id,
    )
    assert supergroup.title == "组" and supergroup.admin_ids == [admin.id]
    assert supergroup.member_ids == group.member_ids
    # Both service messages reach the bot, old chat first, and PTB sees them as migrations.
    updates = await bot.get_updates(timeout=0)
    assert [u.effective_chat.id for u in updates if u.effective_chat] == [group.id, supergroup.id]
    farewell, welcome = (u.effective_message for u in updates)
    assert farewell is not None and welcome is not None
    assert farewell.migrate_to_chat_id == supergroup.id and farewell.from_user is not None
    assert farewell.from_user.id == admin.id, "from the group's creator by default"
    assert welcome.migrate_from_chat_id == group.id
    assert welcome.sender_chat is not None and welcome.sender_chat.id == supergroup.id
    assert all(filters.StatusUpdate.MIGRATE.check_update(u) for u in updates)
    # The supergroup works; the old id answers with Telegram's error, which PTB raises as
    # ChatMigrated, for sends, edits and reads alike.
    sent = await bot.send_message(supergroup.id, "after")
    assert sent.chat.type == "supergroup"
    member_info = await bot.get_chat_member(supergroup.id, admin.id)
    assert member_info.status == "creator"
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group.id, "lost?")
    assert caught.value.new_chat_id == supergroup.id
    old_message = emu.bot_messages(group)[0]
    with pytest.raises(ChatMigrated):
        await bot.edit_message_text("edited", chat_id=group.id, message_id=old_message.message_id)
    with pytest.raises(ChatMigrated):
        await bot.get_chat_member(group.id, admin.id)
    assert [m.text for m in emu.bot_messages(group)] == ["before"]
    assert [m.text for m in emu.bot_messages(supergroup)] == ["after"]
    # Nobody writes in the old chat any more.
    with pytest.raises(ValueError, match="upgraded"):
        emu.send_text(member, "hello?", chat=group)


async def test_the_error_has_telegrams_shape(emu: BotApiEmulator) -> None:
    admin = emu.add_user("Admin")
    group = emu.add_group("组", admins=[admin], kind="group")
    supergroup = emu.migrate_group(group, notify_bot=False)
    url = f"{emu.base_url}/bot{emu.token}/sendMessage"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"chat_id": group.id, "text": "x"}) as response,
    ):
        status, body = response.status, await response.json()
    assert status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": supergroup.id},
    }
    assert emu.requests[-1].status == 400


async def test_quietly_and_only_once(emu: BotApiEmulator) -> None:
    admin, other = emu.add_user("Admin"), emu.add_user("Other")
    group = emu.add_group("组", admins=[admin], members=[other], kind="group")
    supergroup = emu.migrate_group(group, by=other, notify_bot=False)
    assert emu.pending_updates == [], "notify_bot=False queues no update"
    (farewell,) = emu.messages(group)
    assert farewell.kind == "service" and farewell["from"]["id"] == other.id
    (welcome,) = emu.messages(supergroup)
    assert welcome["migrate_from_chat_id"] == group.id
    with pytest.raises(ValueError, match="upgraded already"):
        emu.migrate_group(group)
    with pytest.raises(ValueError, match="only a basic group"):
        emu.migrate_group(supergroup)
