"""Sending, editing and deleting through a real PTB Bot, and the errors Telegram gives."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


async def test_get_me_identity(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (
        123456,
        True,
        "Xuncha Test Bot",
        "xuncha_test_bot",
    )


async def test_send_html_message_is_stored_visible_and_raw(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("王", "保军")
    sent = await bot.send_message(
        alice.id,
        "<b>已受理</b> 编号 &lt;X-1&gt;",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("满意", "sv:1:yes"), ("不满意", "sv:1:no")),
    )
    assert sent.text == "已受理 编号 <X-1>"
    assert sent.from_user is not None and sent.from_user.id == emu.bot_id
    assert sent.chat.id == alice.id
    [stored] = emu.bot_messages(alice)
    assert stored.message_id == sent.message_id
    assert stored.text == "已受理 编号 <X-1>"
    assert stored.raw_text == "<b>已受理</b> 编号 &lt;X-1&gt;"
    assert stored.buttons == [("满意", "sv:1:yes"), ("不满意", "sv:1:no")]
    assert stored.kind == "text" and stored.edits == 0
    assert (await emu.next_bot_message(alice, timeout=1)) is stored
    second = await bot.send_message(alice.id, "next")
    assert second.message_id == sent.message_id + 1
    assert (await emu.next_bot_message(alice, timeout=1)).text == "next"


async def test_next_bot_message_timeout_lists_the_chat(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    emu.send_text(alice, "hello")
    with pytest.raises(TimeoutError, match="hello"):
        await emu.next_bot_message(alice, timeout=0.1)


async def test_bad_html_is_rejected(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    for text in ("a < b", "R&D", "one<br>two", "<b>x</i>"):
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(alice.id, text, parse_mode=ParseMode.HTML)
    await bot.send_message(alice.id, "a < b & c")  # fine without parse_mode
    assert [m.text for m in emu.bot_messages(alice)] == ["a < b & c"]


async def test_length_limits_count_visible_text(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice.id, "长" * 4097)
    await bot.send_message(alice.id, "<b>" + "长" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(alice.id, "<b></b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(alice.id, b"jpeg-bytes", caption="c" * 1025)
    assert len(emu.bot_messages(alice)) == 1


async def test_keyboard_limits(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(alice.id, "x", reply_markup=keyboard(("a", "数" * 22)))
    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await bot.send_message(
            alice.id, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a")]])
        )
    await bot.send_message(alice.id, "ok", reply_markup=keyboard(("a", "数" * 21)))
    emu.enforce_limits = False
    await bot.send_message(alice.id, "x" * 5000, reply_markup=keyboard(("a", "d" * 100)))
    assert len(emu.bot_messages(alice)) == 2


async def test_reply_keyboard_is_kept_but_not_echoed(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    markup = ReplyKeyboardMarkup([[KeyboardButton("发送位置", request_location=True)]])
    sent = await bot.send_message(alice.id, "where?", reply_markup=markup)
    assert sent.reply_markup is None
    stored = emu.last_bot_message(alice)
    assert stored is not None and stored.keyboard == [["发送位置"]]
    assert stored.reply_markup is not None and "keyboard" in stored.reply_markup


async def test_edit_text_and_markup(emu: BotApiEmulator, bot: Bot) -> None:
    grp = emu.add_group("第三巡察组")
    card = await bot.send_message(grp.id, "card v1", reply_markup=keyboard(("受理", "acc:1")))
    edited = await bot.edit_message_text(
        "card <i>v2</i>",
        chat_id=grp.id,
        message_id=card.message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("办结", "res:1")),
    )
    assert isinstance(edited, Message)
    assert edited.text == "card v2" and edited.edit_date is not None
    stored = emu.bot_messages(grp)[0]
    assert stored.text == "card v2" and stored.edits == 1 and stored.buttons == [("办结", "res:1")]
    assert stored.versions == ["card v1", "card v2"]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "card <i>v2</i>",
            chat_id=grp.id,
            message_id=card.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(("办结", "res:1")),
        )
    await bot.edit_message_reply_markup(grp.id, card.message_id, reply_markup=None)
    assert emu.bot_messages(grp)[0].buttons == []
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(grp.id, card.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=grp.id, message_id=999)
    photo = await bot.send_photo(grp.id, b"img", caption="old")
    await bot.edit_message_caption(grp.id, photo.message_id, caption="new")
    assert emu.bot_messages(grp)[-1].caption == "new"
    with pytest.raises(BadRequest, match="no text in the message"):
        await bot.edit_message_text("x", chat_id=grp.id, message_id=photo.message_id)


async def test_delete_message(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    sent = await bot.send_message(alice.id, "bye")
    assert await bot.delete_message(alice.id, sent.message_id)
    assert emu.bot_messages(alice) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)


async def test_reply_to_a_user_message(emu: BotApiEmulator, bot: Bot) -> None:
    inspector = emu.add_user("Li")
    grp = emu.add_group("组", admins=[inspector])
    question = emu.send_text(inspector, "谁负责?", chat=grp)
    answer = await bot.send_message(
        grp.id, "我", reply_parameters=ReplyParameters(question.message_id)
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "谁负责?"
    assert emu.bot_messages(grp)[0].reply_to_message_id == question.message_id
    assert [m.message_id for m in emu.messages(grp)] == [1, 2]
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(grp.id, "x", reply_parameters=ReplyParameters(42))


async def test_unreachable_chats(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    grp = emu.add_group("组")
    other = emu.add_group("另一组")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(-1009999999999, "x")
    emu.block_user(alice)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "x")
    emu.send_text(alice, "/start")  # writing again unblocks, as in Telegram
    await bot.send_message(alice.id, "welcome back")
    emu.kick_bot(grp)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(grp.id, "x")
    emu.delete_chat(other)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(other.id, "x")


async def test_location_venue_contact_and_chat_action(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    assert await bot.send_chat_action(alice.id, "typing")
    loc = await bot.send_location(alice.id, 33.742, 113.351)
    assert loc.location is not None and loc.location.latitude == pytest.approx(33.742)
    venue = await bot.send_venue(alice.id, 33.7, 113.3, "村委会", "平顶山市")
    assert venue.venue is not None and venue.venue.title == "村委会"
    contact = await bot.send_contact(alice.id, "+8613800000000", "巡察办")
    assert contact.contact is not None and contact.contact.first_name == "巡察办"
    assert [m.kind for m in emu.bot_messages(alice)] == ["location", "venue", "contact"]


async def test_chat_info_members_and_commands(emu: BotApiEmulator, bot: Bot) -> None:
    inspector, resident = emu.add_user("Li"), emu.add_user("Wang")
    grp = emu.add_group("第三巡察组", admins=[inspector], members=[resident])
    chat = await bot.get_chat(grp.id)
    assert chat.title == "第三巡察组" and chat.type == "supergroup"
    assert str(grp.id).startswith("-100")
    assert (await bot.get_chat_member(grp.id, inspector.id)).status == "creator"
    assert (await bot.get_chat_member(grp.id, resident.id)).status == "member"
    assert (await bot.get_chat_member(grp.id, emu.bot_id)).status == "administrator"
    admins = await bot.get_chat_administrators(grp.id)
    assert {a.user.id for a in admins} == {inspector.id, emu.bot_id}
    await bot.set_my_commands([("start", "开始"), ("status", "查询")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "status"]
    assert emu.my_commands()[0]["description"] == "开始"
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.set_chat_menu_button(resident.id)
    assert await bot.leave_chat(grp.id)
    with pytest.raises(Forbidden, match="not a member"):
        await bot.send_message(grp.id, "x")
