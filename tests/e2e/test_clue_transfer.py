"""A clue transferred to the discipline commission, through the emulator: a confidential card
in the commission's chat without identity, its photos under it, 签收, 已受理 and 销号 seen by
the group, the resident told only that it was handled as the rules require, and nothing of it
in any other chat or in a shareable ledger."""

from __future__ import annotations

from handlers.i18n import t
from storage import ledger
from tests.helpers.department_flow import card_in, prompt_of
from tests.helpers.group_flow import complaint, file, linked_chat
from tests.helpers.harness import BotHarness
from tests.helpers.resident import texts, with_buttons

RECEIVED = "已登记 <初核> & 分派"
CLOSED = "经核查属实，已给予党纪处分，予以销号"
PHONE = "13912345678"


def plain(text: str) -> str:
    """A catalog text as the emulator shows it (tags gone)."""
    return text.replace("<b>", "").replace("</b>", "")


async def test_a_clue_arrives_confidential_and_is_closed_by_the_commission(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    commission = await linked_chat(bot, "department", "discipline", "纪委监委", "吴")
    office = await linked_chat(bot, "office", None, "巡察办", "办公室")
    water = await linked_chat(bot, "department", "water", "水利局", "周")
    resident, number = await file(
        bot,
        category="违纪违法问题线索",
        anonymous=False,
        first_name="秘",
        last_name="密人",
        username="secret_user",
        phone=PHONE,
        photos=2,
    )
    found = await complaint(bot, number)
    assert found.id is not None
    cid = found.id
    card = group.card(number)
    assert "秘" in (card.text or ""), "the group sees who it is"
    _answer, messages = await group.press(card, "移交线索")
    await group.press(with_buttons(messages), "区纪委监委")
    resident.new_messages()
    group.new_messages()

    # The commission's confidential card: what, where, the photos under it, nobody's name.
    arrived = commission.new_messages()
    clue_card = with_buttons(arrived)
    text = clue_card.text or ""
    assert text.startswith(f"🔒 问题线索 {number}（机密）")
    for shown in ("小店村", "违纪违法问题线索"):
        assert shown in text
    photos = [m for m in arrived if m.get("photo")]
    assert len(photos) == 2
    assert all(m.reply_to_message_id == clue_card.message_id for m in photos)
    for message in commission.messages():
        shown_text = (message.text or "") + repr(message.reply_markup)
        for secret in ("秘", "密人", "secret_user", PHONE, str(resident.user.id)):
            assert secret not in shown_text, (secret, message)
    assert [label for label, _ in clue_card.buttons] == [t("zh", "dept.button.sign")]

    # Another department cannot sign for it.
    there = water.messages()[-1]
    forged = bot.emu.press_button(
        water.user, there, f"dep:sign:{cid}", check=False, chat=water.chat
    )
    await bot.settle()
    assert bot.emu.callback_answers[forged["id"]].text == t("zh", "dept.not_yours")

    answer, _ = await commission.press(clue_card, f"dep:sign:{cid}")
    assert answer == t("zh", "dept.signed", number=number)
    assert t("zh", "card.signed", time="2023-03-14 10:00") in (group.card(number).text or "")
    assert [label for label, _ in card_in(commission, number).buttons] == [
        t("zh", "dept.button.rcv"),
        t("zh", "dept.button.cls"),
    ]

    _answer, messages = await commission.press(card_in(commission, number), f"dep:rcv:{cid}")
    messages = await commission.reply(prompt_of(messages), RECEIVED)
    assert t("zh", "dept.clue_received", number=number) in texts(messages)
    told = texts(group.new_messages())
    assert f"🔒 {number} 区纪委监委已受理：{RECEIVED}" in told
    assert t("zh", "card.clue_received") in (group.card(number).text or "")
    assert resident.new_messages() == [], "the resident hears nothing of 已受理"

    _answer, messages = await commission.press(card_in(commission, number), f"dep:cls:{cid}")
    messages = await commission.reply(prompt_of(messages), CLOSED)
    assert t("zh", "dept.clue_closed", number=number) in texts(messages)
    assert (await complaint(bot, number)).status == "closed"
    told = texts(group.new_messages())
    assert f"🔒 {number} 区纪委监委已办结（销号）：{CLOSED}" in told
    # The resident: only that it was handled as the rules require, on /status too.
    update = texts(resident.new_messages())
    assert t("zh", "update.clue_closed") in update
    assert CLOSED not in update and "纪委" not in update
    status = texts(await resident.say(f"/status {number}"))
    assert CLOSED not in status and RECEIVED not in status and "纪委" not in status
    # The commission's card: closed, no buttons.
    closed_card = commission.message(clue_card.message_id)
    assert closed_card.buttons == []
    assert t("zh", "dept.status.clue_closed") in (closed_card.text or "")

    # No other chat heard of any of it, and a shareable ledger keeps the words out.
    for chat in (office, water):
        for message in chat.messages():
            assert number not in (message.text or ""), (chat.chat.title, message)
    async with bot.database.transaction() as session:
        rows = [
            row.values()
            async for row in ledger.ledger_rows(
                session=session, round_id=found.round_id, shareable=True
            )
        ]
    shown_rows = repr(rows)
    for secret in (RECEIVED, CLOSED, "秘", PHONE):
        assert secret not in shown_rows
