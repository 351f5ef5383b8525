"""getUpdates, webhooks, simulated users, button presses, and a PTB Application end to end."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio


async def test_user_text_becomes_an_update(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("王", "保军", language_code="zh")
    sent = emu.send_text(alice, "/start v_xiaodian")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "/start v_xiaodian"
    assert update.message.message_id == sent.message_id
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "zh"
    assert update.message.chat.type == "private"
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)
    # Not confirmed yet: asked again, the same update comes back.
    assert [u.update_id for u in await bot.get_updates()] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert emu.pending_updates == []


async def test_offset_confirms_only_older_updates(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    for i in range(3):
        emu.send_text(alice, f"m{i}")
    first, second, third = await bot.get_updates()
    assert second.update_id == first.update_id + 1
    rest = await bot.get_updates(offset=second.update_id, limit=1)
    assert [u.update_id for u in rest] == [second.update_id]
    assert [u["update_id"] for u in emu.pending_updates] == [second.update_id, third.update_id]


async def test_long_poll_returns_when_an_update_arrives(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emu.wait_for_request("getUpdates", timeout=2, since=0)
    await asyncio.sleep(0.1)
    emu.send_text(alice, "hi")
    updates = await asyncio.wait_for(poll, 3)
    assert [u.message.text for u in updates if u.message] == ["hi"]
    assert time.monotonic() - started < 2
    started = time.monotonic()
    offset = updates[0].update_id + 1
    assert await bot.get_updates(offset=offset, timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 2


async def test_allowed_updates_filter(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d")]])
    card = await bot.send_message(alice.id, "x", reply_markup=markup)
    emu.send_text(alice, "text")
    emu.press_button(alice, emu.bot_messages(alice)[0], "d")
    only = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in only if u.callback_query] == ["d"]
    assert card.message_id == 1


async def test_members_leave_and_join_and_strangers_stay_out(
    emu: BotApiEmulator, bot: Bot
) -> None:
    inspector, stranger = emu.add_user("Li"), emu.add_user("Lu")
    grp = emu.add_group("第三巡察组", admins=[inspector])
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d")]])
    card = await bot.send_message(grp.id, "card", reply_markup=markup)
    emu.press_button(stranger, card, "d", chat=grp, join=False)
    emu.send_text(stranger, "hi", chat=grp, join=False)
    assert (await bot.get_chat_member(grp.id, stranger.id)).status == "left"
    emu.remove_member(grp, inspector)
    emu.add_member(grp, inspector, notify_bot=True)
    assert (await bot.get_chat_member(grp.id, inspector.id)).status == "member"
    # chat_member updates come only when asked for (and only to an administrator bot).
    plain = await bot.get_updates()
    assert [u.chat_member for u in plain if u.chat_member] == []
    changes = [u.chat_member for u in await bot.get_updates(allowed_updates=["chat_member"])]
    assert [(c.old_chat_member.status, c.new_chat_member.status) for c in changes if c] == [
        ("creator", "left"),
        ("left", "member"),
    ]


async def test_press_button_and_answer(emu: BotApiEmulator, bot: Bot) -> None:
    inspector = emu.add_user("Li")
    grp = emu.add_group("第三巡察组", admins=[inspector])
    await bot.send_message(
        grp.id,
        "card",
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("受理", callback_data="acc:12"),
                    InlineKeyboardButton("x", url="https://a.b"),
                ]
            ]
        ),
    )
    card = emu.bot_messages(grp)[0]
    query = emu.press_button(inspector, card, "acc:12")
    with pytest.raises(ValueError, match="not a button"):
        emu.press_button(inspector, card, "res:12")
    forged = emu.press_button(inspector, card, "res:12", check=False)
    by_text = emu.press_button(inspector, card, "受理")
    assert by_text["data"] == "acc:12"
    updates = await bot.get_updates()
    presses = [u.callback_query for u in updates if u.callback_query]
    assert [q.data for q in presses] == ["acc:12", "res:12", "acc:12"]
    first = presses[0]
    assert first.id == query["id"] and first.from_user.id == inspector.id
    assert first.message is not None and first.message.chat.id == grp.id
    assert first.message.message_id == card.message_id
    assert await first.answer("已受理", show_alert=True)
    assert emu.callback_answers[query["id"]].text == "已受理"
    assert emu.callback_answers[query["id"]].show_alert is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query["id"])
    assert forged["id"] not in emu.callback_answers


async def test_group_reply_and_privacy_mode(emu: BotApiEmulator, bot: Bot) -> None:
    inspector = emu.add_user("Li")
    quiet = emu.add_group("非管理员群", admins=[inspector], bot_is_admin=False)
    card = await bot.send_message(quiet.id, "card")
    emu.send_text(inspector, "chatter", chat=quiet)
    emu.send_text(inspector, "to the bot", chat=quiet, reply_to=card.message_id)
    emu.send_text(inspector, "/link ABC@xuncha_test_bot", chat=quiet)
    emu.send_text(inspector, "/other@some_other_bot", chat=quiet)
    texts = [u.message.text for u in await bot.get_updates() if u.message]
    assert texts == ["to the bot", "/link ABC@xuncha_test_bot"]
    assert [m.text for m in emu.messages(quiet)][:2] == ["card", "chatter"]


async def test_user_edits_and_media_updates(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    first = emu.send_text(alice, "typo")
    emu.edit_text(alice, first, "fixed")
    emu.send_location(alice, 33.742, 113.351)
    emu.send_contact(alice, phone="+8613800000000")
    emu.send_voice(alice, duration=5)
    emu.send_sticker(alice)
    album = emu.send_album(alice, 2, caption="井")
    updates = await bot.get_updates()
    assert updates[1].edited_message is not None and updates[1].edited_message.text == "fixed"
    messages = [u.message for u in updates if u.message]
    assert messages[1].location is not None and messages[1].location.longitude == 113.351
    assert messages[2].contact is not None and messages[2].contact.user_id == alice.id
    assert messages[3].voice is not None and messages[3].voice.to_dict()["duration"] == 5
    assert messages[4].sticker is not None
    assert messages[5].media_group_id == messages[6].media_group_id == album[0].media_group_id
    assert messages[5].caption == "井" and len(messages[5].photo) == 3


async def test_membership_updates(emu: BotApiEmulator, bot: Bot) -> None:
    inspector = emu.add_user("Li")
    grp = emu.add_group("组", admins=[inspector], notify_bot=True)
    emu.block_user(inspector, notify_bot=True)
    emu.kick_bot(grp, notify_bot=True)
    changes = [u.my_chat_member for u in await bot.get_updates() if u.my_chat_member]
    assert [(c.chat.id, c.old_chat_member.status, c.new_chat_member.status) for c in changes] == [
        (grp.id, "left", "administrator"),
        (inspector.id, "member", "kicked"),
        (grp.id, "administrator", "kicked"),
    ]


async def test_the_bot_added_back_sends_again_and_hears_of_it(
    emu: BotApiEmulator, bot: Bot
) -> None:
    inspector = emu.add_user("Li")
    grp = emu.add_group("组", admins=[inspector])
    emu.kick_bot(grp)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(grp.id, "x")
    emu.add_bot_back(grp, by=inspector)
    changes = [u.my_chat_member for u in await bot.get_updates() if u.my_chat_member]
    assert [(c.chat.id, c.old_chat_member.status, c.new_chat_member.status) for c in changes] == [
        (grp.id, "kicked", "administrator")
    ]
    assert changes[0].from_user.id == inspector.id
    assert (await bot.send_message(grp.id, "back")).text == "back"


async def test_webhook_blocks_polling_and_delivers(emu: BotApiEmulator, bot: Bot) -> None:
    received: list[dict] = []
    secrets: list[str | None] = []

    async def hook(request: web.Request) -> web.Response:
        secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        alice = emu.add_user("Alice")
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(Conflict):
            await bot.get_updates()
        emu.send_text(alice, "via webhook")
        await emu.wait_until(lambda: received, timeout=3)
        assert received[0]["message"]["text"] == "via webhook" and secrets == ["s3cret"]
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert await bot.delete_webhook()
        emu.send_text(alice, "via polling")
        assert [u.message.text for u in await bot.get_updates() if u.message] == ["via polling"]
    finally:
        await runner.cleanup()


async def test_application_command_handler(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        payload = " ".join(context.args or [])
        await context.bot.send_message(
            update.effective_chat.id, f"<b>欢迎</b> {payload}", parse_mode="HTML"
        )

    application = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(f"{emu.base_url}/bot")
        .base_file_url(f"{emu.base_url}/file/bot")
        .updater(None)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    alice = emu.add_user("王")
    emu.send_text(alice, "/start v_xiaodian")
    async with application:
        offset = 0
        for update in await application.bot.get_updates(timeout=1):
            await application.process_update(update)
            offset = update.update_id + 1
        await application.bot.get_updates(offset=offset)
    reply = await emu.next_bot_message(alice, timeout=2)
    assert reply.text == "欢迎 v_xiaodian" and reply.raw_text == "<b>欢迎</b> v_xiaodian"
    assert emu.pending_updates == []
