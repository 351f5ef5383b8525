"""Only members of a group chat work its cards (issue 9 item 3): a stranger's press, or a reply
of someone who left, changes nothing; membership comes from getChatMember, cached, and the
cache follows chat_member updates."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import func, select

from emulator.models import StoredMessage
from handlers.i18n import t
from storage.models import OutboxMessage
from tests.e2e.test_department import department_chat, hand_off
from tests.e2e.test_resident_updates import file as file_filed
from tests.e2e.test_resident_updates import group_chat
from tests.helpers.group_flow import Member, complaint, events, file, linked_chat, prompt_in
from tests.helpers.groups import Inspector, shows
from tests.helpers.harness import BotHarness
from tests.helpers.resident import person, texts

MEMBERS_ONLY = t("zh", "group.members_only")
Shown = tuple[str | None, int]


async def outbox_rows(bot: BotHarness) -> int:
    """How many rows the outbox holds (sent or not)."""
    async with bot.database.transaction() as session:
        return (await session.exec(select(func.count()).select_from(OutboxMessage))).one()


async def assert_untouched(bot: BotHarness, group: Member, number: str, shown: Shown) -> None:
    """The complaint is as filed: new, nobody's, one event, the card as it was."""
    found = await complaint(bot, number)
    assert found.status == "new"
    assert found.taken_by_telegram_id is None
    assert [e.action for e in await events(bot, number)] == ["filed"]
    card = group.card(number)
    assert (card.text, card.edits) == shown


def shown(card: StoredMessage) -> Shown:
    """What a card shows now, and how often it was edited."""
    return card.text, card.edits


@pytest.mark.parametrize("label", ["认领", "受理"])
async def test_a_stranger_s_press_is_answered_and_changes_nothing(
    bot: BotHarness, label: str
) -> None:
    group = await linked_chat(bot)
    _, number = await file(bot)
    card = group.card(number)
    stranger = group.stranger("路人")
    group.new_messages()
    rows = await outbox_rows(bot)
    before = shown(card)

    answer, messages = await stranger.press(card, label)

    assert answer == MEMBERS_ONLY
    assert messages == []
    assert group.new_messages() == []
    assert await outbox_rows(bot) == rows
    await assert_untouched(bot, group, number, before)
    assert stranger.user.id not in bot.emu.chat(group.chat.id).member_ids


async def test_a_stranger_s_forged_press_is_answered_in_their_language(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _, number = await file(bot)
    card = group.card(number)
    user = bot.emu.add_user(first_name="Joe", language_code="en")
    stranger = Member(bot, user, group.chat, joins=False)
    data = next(d for label, d in card.buttons if label == "认领" and d is not None)
    before = shown(card)
    answer, _ = await stranger.press(card, data, check=False)
    assert answer == t("en", "group.members_only")
    await assert_untouched(bot, group, number, before)


async def test_a_member_who_left_is_refused_after_leaving(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _, one = await file(bot, first_name="张")
    _, two = await file(bot, first_name="李")
    colleague = group.colleague("小孙")
    answer, _ = await colleague.press(group.card(one), "认领")
    assert answer != MEMBERS_ONLY
    assert (await complaint(bot, one)).taken_by_telegram_id == colleague.user.id

    # They leave; Telegram tells the bot (chat_member), and the cached "member" goes.
    bot.emu.remove_member(group.chat, colleague.user)
    await bot.settle()
    colleague.joins = False
    card = group.card(two)
    before = shown(card)
    answer, messages = await colleague.press(card, "认领")
    assert answer == MEMBERS_ONLY
    assert messages == []
    await assert_untouched(bot, group, two, before)

    # Back in the chat: they work again.
    bot.emu.add_member(group.chat, colleague.user, notify_bot=True)
    await bot.settle()
    answer, _ = await colleague.press(group.card(two), "认领")
    assert answer != MEMBERS_ONLY
    assert (await complaint(bot, two)).taken_by_telegram_id == colleague.user.id


async def test_a_non_member_s_reply_does_not_answer_a_prompt(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _, number = await file(bot)
    colleague = group.colleague("小孙")
    _, messages = await colleague.press(group.card(number), "不予受理")
    prompt = prompt_in(messages)
    stranger = group.stranger("路人")

    # A stranger's reply (a discussion group lets outsiders comment) is ignored.
    assert await stranger.reply(prompt, "不归我们管") == []
    # So is the reply of the inspector the prompt was for, once they have left the chat.
    bot.emu.remove_member(group.chat, colleague.user)
    await bot.settle()
    colleague.joins = False
    assert await colleague.reply(prompt, "不归我们管") == []
    assert [e.action for e in await events(bot, number)] == ["filed"]
    assert (await complaint(bot, number)).status == "new"

    # The prompt stays open for them: back in the chat, their reply carries it out.
    bot.emu.add_member(group.chat, colleague.user, notify_bot=True)
    await bot.settle()
    colleague.joins = True
    assert number in texts(await colleague.reply(prompt, "不属于本次巡察范围"))
    assert (await complaint(bot, number)).status == "rejected"


async def test_a_stranger_cannot_report_a_department_s_hand_off_done(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    filed = await file_filed(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    card = next(m for m in member.messages() if shows(m, filed.number) and m.buttons)
    user = bot.emu.add_user(first_name="路人", language_code="zh")
    stranger = Inspector(bot, user, member.chat, joins=False)
    member.new_messages()
    for data in (f"dep:sign:{filed.id}", f"dep:done:{filed.id}"):
        answer, messages = await stranger.press(card, data, check=False)
        assert answer == MEMBERS_ONLY
    assert messages == [] and member.new_messages() == []
    found = await complaint(bot, filed.number)
    assert found.status == "handed_off"


async def test_a_failing_get_chat_member_lets_nobody_through_and_is_logged(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    group = await linked_chat(bot)
    _, number = await file(bot)
    card = group.card(number)
    stranger = group.stranger("路人")
    bot.emu.inject("getChatMember", "5xx", times=None)
    caplog.set_level(logging.WARNING)
    before = shown(card)

    answer, messages = await stranger.press(card, "认领")

    assert answer == t("zh", "group.members_unknown")
    assert messages == []
    await assert_untouched(bot, group, number, before)
    logged = [r.getMessage() for r in caplog.records if "getChatMember" in r.getMessage()]
    assert logged and str(group.chat.id) in logged[0] and str(stranger.user.id) in logged[0]
    # Once Telegram answers again, a member works as before.
    bot.emu.clear_faults()
    answer, _ = await group.press(card, "认领")
    assert answer != t("zh", "group.members_unknown")
