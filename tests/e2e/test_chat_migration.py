"""A linked group chat upgraded to a supergroup (a new chat id): cards, prompts and hand-offs
follow it there, whether the bot hears of it from the service messages or from the error its
next send to the old id meets."""

from __future__ import annotations

import asyncio
from typing import TypeVar

from sqlmodel import select

from emulator.models import Chat, StoredMessage
from handlers.i18n import t
from storage.models import Department, InspectionGroup, OutboxMessage
from tests.e2e.test_department import department_card, hand_off, signed
from tests.e2e.test_resident_updates import Filed, group_chat
from tests.e2e.test_resident_updates import file as file_as
from tests.helpers.group_flow import Member, complaint, events, file, labels
from tests.helpers.groups import link_chat
from tests.helpers.harness import BotHarness
from tests.helpers.resident import person, texts

XIAODIAN = (33.742, 113.351)
UPGRADED = "group chat was upgraded to a supergroup chat"
LinkedRow = TypeVar("LinkedRow", InspectionGroup, Department)


async def basic_group(bot: BotHarness, target: str = "group", code: str = "g3") -> Member:
    """A basic group (not yet a supergroup) linked with /link; its administrator."""
    admin = bot.emu.add_user(first_name="王组长", language_code="zh")
    chat = bot.emu.add_group("第三巡察组工作群", admins=[admin], kind="group")
    answers = await link_chat(bot, chat, target, code)
    assert "关联成功" in texts(answers)
    return Member(bot, admin, chat)


def upgrade(bot: BotHarness, member: Member, *, notify_bot: bool = True) -> Member:
    """Upgrade the member's chat to a supergroup: the member, there."""
    supergroup = bot.emu.migrate_group(member.chat, notify_bot=notify_bot)
    return Member(bot, member.user, supergroup)


async def linked_chat_of(bot: BotHarness, model: type[LinkedRow], code: str) -> int | None:
    async with bot.database.transaction() as session:
        row = (await session.exec(select(model).where(model.code == code))).one()
        return row.chat_id


async def failures(bot: BotHarness) -> list[OutboxMessage]:
    async with bot.database.transaction() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return [row for row in rows if row.status == "failed"]


def bot_requests_to(bot: BotHarness, chat: Chat) -> list[tuple[str, int | None]]:
    """The bot's calls addressed to a chat, with the status each got."""
    return [
        (r.method, r.status)
        for r in bot.emu.requests
        if str(r.params.get("chat_id")) == str(chat.id)
    ]


def card_in(member: Member, number: str) -> StoredMessage:
    """The complaint's card (with buttons) in the member's chat: its number in the first line.

    Another card may name it further down, as a likely duplicate.
    """
    found = [
        m for m in member.messages() if m.buttons and number in (m.text or "").split("\n", 1)[0]
    ]
    assert found, f"no card of {number} in {member.messages()}"
    return found[-1]


async def test_cards_and_buttons_follow_the_upgraded_chat(bot: BotHarness) -> None:
    old = await basic_group(bot)
    _resident, before = await file(bot, location=XIAODIAN)
    old_card = card_in(old, before)
    old.new_messages()

    new = upgrade(bot, old)
    await bot.settle()

    assert await linked_chat_of(bot, InspectionGroup, "g3") == new.chat.id
    # The open complaint's card is posted afresh in the supergroup, its location under it.
    fresh = card_in(new, before)
    assert fresh.buttons == old_card.buttons
    replies = [m for m in new.messages() if m.reply_to_message_id == fresh.message_id]
    assert [m.kind for m in replies] == ["location"]
    # A complaint filed now arrives there too, and the buttons work there.
    resident, number = await file(bot)
    card = card_in(new, number)
    new.new_messages()
    answer, messages = await new.press(card, "受理")
    assert answer == f"已受理 {number}" and messages == [], "edited in place"
    assert "【已受理】" in (new.message(card.message_id).text or "")
    assert (await complaint(bot, number)).status == "accepted"
    assert "已受理" in texts(resident.new_messages())
    answer, _messages = await new.press(card_in(new, before), "认领")
    assert answer == f"已认领 {before}，由你跟进"
    assert "认领人：王组长" in (new.message(fresh.message_id).text or "")
    # A reply prompt works in the supergroup.
    _answer, messages = await new.press(new.message(card.message_id), "备注")
    messages = await new.reply(messages[-1], "已电话联系村委")
    assert t("zh", "action.done.note", number=number) in texts(messages)
    assert [e.action for e in await events(bot, number)][-1] == "note"
    assert "未办结的反映" in texts(await new.say("/open"))
    # Nothing was lost on the way and nothing went to the old chat after the upgrade.
    assert old.new_messages() == []
    assert await failures(bot) == []
    assert all(status != 400 for _method, status in bot_requests_to(bot, old.chat))


async def test_the_sender_meets_the_upgrade_first(bot: BotHarness) -> None:
    old = await basic_group(bot)
    _resident, before = await file(bot)
    # Telegram upgraded the chat, but the bot has not seen the service messages (yet).
    new = upgrade(bot, old, notify_bot=False)

    resident, number = await file(bot, photos=2)

    # The card went to the old id first, met the error, and was delivered to the supergroup.
    assert ("sendMessage", 400) in bot_requests_to(bot, old.chat)
    refused = [r for r in bot.emu.requests if r.status == 400]
    assert all(r.description == f"Bad Request: {UPGRADED}" for r in refused)
    card = card_in(new, number)
    photos = [m for m in new.messages() if m.reply_to_message_id == card.message_id]
    assert [m.kind for m in photos] == ["photo", "photo"]
    assert card_in(new, before).buttons, "the card posted before the upgrade is posted again"
    assert await linked_chat_of(bot, InspectionGroup, "g3") == new.chat.id
    assert await failures(bot) == []
    answer, _messages = await new.press(card, "受理")
    assert answer == f"已受理 {number}"
    assert "已受理" in texts(resident.new_messages())
    # The service messages arriving late change nothing.
    seen = len(new.messages())
    bot.emu.enqueue_update({"message": old.chat.messages[max(old.chat.messages)].to_dict()})
    supergroup_note = next(iter(new.chat.messages.values()))
    bot.emu.enqueue_update({"message": supergroup_note.to_dict()})
    await bot.settle()
    assert len(new.messages()) == seen
    assert await linked_chat_of(bot, InspectionGroup, "g3") == new.chat.id


async def test_a_card_edit_waiting_for_the_old_chat_goes_to_the_new_one(bot: BotHarness) -> None:
    old = await basic_group(bot)
    _resident, number = await file(bot)
    card = card_in(old, number)
    # The edit after 受理 is held back (flood control) when the chat is upgraded.
    bot.emu.inject(method="editMessageText", kind="429", chat_id=old.chat.id, retry_after=3600)
    query = bot.emu.press_button(old.user, card, "受理", chat=old.chat)
    await bot.emu.wait_for_request("editMessageText", since=0)
    await bot.emu.wait_until(lambda: query["id"] in bot.emu.callback_answers)
    assert (await complaint(bot, number)).status == "accepted"

    new = upgrade(bot, old)
    await bot.settle()

    # The card cannot be edited in the new chat: it is posted there as it is now.
    fresh = card_in(new, number)
    assert "【已受理】" in (fresh.text or "") and "办结" in labels(fresh)
    assert "【已受理】" not in (old.message(card.message_id).text or "")
    assert await failures(bot) == []


async def test_a_department_chat_upgraded_keeps_receiving_hand_offs(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    old = await basic_group(bot, "department", "water")
    first = await file_as(bot, person(bot, "张"))
    await hand_off(inspector, first)
    assert department_card(old, first).buttons
    old.new_messages()

    new = upgrade(bot, old)
    await bot.settle()

    assert await linked_chat_of(bot, Department, "water") == new.chat.id
    assert department_card(new, first).buttons == [
        (t("zh", "dept.button.sign"), f"dep:sign:{first.id}"),
        (t("zh", "dept.button.ret"), f"dep:ret:{first.id}"),
    ]
    # The next hand-off arrives in the supergroup, and its report resolves the complaint.
    second = await file_as(bot, person(bot, "李"))
    await hand_off(inspector, second)
    the_card = await signed(new, second)
    answer, messages = await new.press(the_card, f"dep:done:{second.id}")
    assert answer == t("zh", "dept.prompt_sent")
    messages = await new.reply(messages[-1], "已更换潜水泵")
    assert t("zh", "dept.reported", number=second.number) in texts(messages)
    assert (await complaint(bot, second.number)).status == "resolved"
    assert old.new_messages() == []
    assert await failures(bot) == []


async def test_a_department_chat_the_sender_finds_upgraded(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    old = await basic_group(bot, "department", "water")
    new = upgrade(bot, old, notify_bot=False)
    filed: Filed = await file_as(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    assert ("sendMessage", 400) in bot_requests_to(bot, old.chat)
    assert department_card(new, filed).buttons
    assert await linked_chat_of(bot, Department, "water") == new.chat.id
    assert await failures(bot) == []


async def test_a_card_on_its_way_to_the_old_chat_when_the_upgrade_is_handled(
    bot: BotHarness,
) -> None:
    """The card reached the old chat, but the upgrade was handled before the answer came back,
    and the answer came back before the card went to the supergroup: the card there is the one
    the bot edits afterwards."""
    old = await basic_group(bot)
    bot.emu.inject(method="sendMessage", kind="slow", delay=1.0, chat_id=old.chat.id)
    filing = asyncio.create_task(file(bot))
    # The card is in the old chat; the bot is still waiting for the answer.
    await bot.wait_for(lambda: any(m.buttons for m in old.messages()))
    bot.emu.hold("sendMessage")
    new = upgrade(bot, old)
    # The upgrade is handled, then the old chat's answer comes back; the supergroup waits.
    await bot.wait_for(lambda: bot.emu.held > 0)
    sender = bot.runtime.sender
    assert sender is not None
    await bot.wait_for(
        lambda: (
            ("sendMessage", 200) in bot_requests_to(bot, old.chat)
            and not sender.busy_with(old.chat.id)
        )
    )
    bot.emu.release("sendMessage")
    _resident, number = await filing
    await bot.settle()

    card = card_in(new, number)
    answer, _messages = await new.press(card, "受理")
    assert answer == f"已受理 {number}"
    assert "【已受理】" in (new.message(card.message_id).text or "")
    assert await failures(bot) == []
