"""A department's side of a hand-off, through the emulator: 签收, 退回 and the group's
re-dispatch or 坚持交办, 申请延期 approved, refused and too late, 阶段性进展 and 办结 with
photos."""

from __future__ import annotations

from datetime import timedelta

from bot import jobs
from handlers.i18n import t
from tests.e2e.test_department import department_chat, hand_off, signed
from tests.e2e.test_resident_updates import (
    card,
    file,
    group_chat,
    prompted,
    status_of,
    survey_of,
)
from tests.helpers.department_flow import (
    card_in,
    choose_then_reply,
    handoffs_of,
    photo_ids,
    press_card,
    prompt_of,
    reply_with_photos,
)
from tests.helpers.groups import add_inspection_chat, link_chat
from tests.helpers.harness import BotHarness
from tests.helpers.resident import person, texts, with_buttons

EXPLANATION = "<本局> 只管城区供水 & 农村机井归水务站"


def plain(text: str) -> str:
    """A catalog text as the emulator shows it (tags gone)."""
    return text.replace("<b>", "").replace("</b>", "")


async def test_signing_shows_on_both_cards_once(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    assert t("zh", "card.not_signed") in (card(inspector, filed).text or "")

    the_card = await signed(member, filed)
    line = t("zh", "card.signed", time="2023-03-14 10:00")
    assert line in (the_card.text or "")
    assert line in (card(inspector, filed).text or "")
    assert [label for label, _ in the_card.buttons] == [
        t("zh", "dept.button.prg"),
        t("zh", "dept.button.ext"),
        t("zh", "dept.button.done"),
        t("zh", "dept.button.ret"),
    ]
    # A colleague's press on the card as it was (two members at once) changes nothing.
    colleague = member.emu.add_user(first_name="小孙", language_code="zh")
    member.emu.add_member(member.chat, colleague)
    pressed = member.emu.press_button(
        colleague, the_card, f"dep:sign:{filed.id}", check=False, chat=member.chat
    )
    await bot.settle()
    answer = bot.emu.callback_answers[pressed["id"]].text
    assert answer == t("zh", "dept.already_signed", name="水利老周")
    (row,) = await handoffs_of(bot, filed.id)
    assert row.signed_by_name == "水利老周"
    # Signing from the inspection group's chat is refused.
    answer, _ = await inspector.press(card(inspector, filed), f"dep:sign:{filed.id}", check=False)
    assert answer == t("zh", "dept.not_here")


async def sweep(bot: BotHarness) -> list[str]:
    """The scheduled job's run now, and everything it queued delivered."""
    app = bot.runtime.app
    assert app is not None
    sent = await jobs.run_sweeps(app)
    await bot.settle()
    return sent


async def test_a_hand_off_not_signed_in_24_hours_gets_one_reminder(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    member.new_messages()
    inspector.new_messages()
    bot.clock.advance(timedelta(hours=23, minutes=59))
    assert not [k for k in await sweep(bot) if k.startswith("sign:")]
    assert member.new_messages() == []

    bot.clock.advance(timedelta(minutes=1))
    (row,) = await handoffs_of(bot, filed.id)
    assert [k for k in await sweep(bot) if k.startswith("sign:")] == [f"sign:{row.id}"]
    (reminder,) = member.new_messages()
    assert reminder.text == plain(
        t("zh", "notice.sign_reminder.department", number=filed.number, hours=24)
    )
    assert reminder.reply_to_message_id == card_in(member, filed.number).message_id
    told = [m for m in inspector.new_messages() if "未签收" in (m.text or "")]
    assert [m.text for m in told] == [
        plain(
            t(
                "zh",
                "notice.sign_reminder.group",
                number=filed.number,
                department="区水利局",
                hours=24,
            )
        )
    ]
    assert told[0].reply_to_message_id == card(inspector, filed).message_id
    # Once only.
    bot.clock.advance(timedelta(days=1))
    assert not [k for k in await sweep(bot) if k.startswith("sign:")]
    assert not [m for m in member.new_messages() if "催签" in (m.text or "")]


async def test_a_return_is_re_dispatched_and_does_not_count_against(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    someone = person(bot, "张")
    filed = await file(bot, someone)
    await hand_off(inspector, filed)
    someone.new_messages()
    inspector.new_messages()

    _answer, messages = await press_card(member, filed.number, f"dep:ret:{filed.id}")
    reasons = with_buttons(messages)
    assert [label for label, _ in reasons.buttons] == [
        t("zh", f"dept.reason.{code}") for code in ("not_ours", "wrong_place", "unclear", "other")
    ]
    _pressed, messages = await member.press(reasons, f"dep:rsn:{filed.id}:not_ours")
    messages = await member.reply(prompt_of(messages), EXPLANATION)
    assert t("zh", "dept.returned", number=filed.number) in texts(messages)
    assert await status_of(bot, filed) == "accepted"

    group_card = card(inspector, filed)
    assert "↩️ 已退回 · 理由：不属于本单位职责" in (group_card.text or "")
    assert EXPLANATION in (group_card.text or ""), "escaped, shown as typed"
    assert t("zh", "card.button.insist") in [label for label, _ in group_card.buttons]
    notices = [m for m in inspector.new_messages() if "被区水利局退回" in (m.text or "")]
    assert notices and notices[0].reply_to_message_id == group_card.message_id
    assert EXPLANATION in (notices[0].text or "")
    # The resident hears only that it is being re-assigned.
    told = someone.new_messages()
    assert [m.text for m in told] == [
        f"{plain(t('zh', 'update.header', number=filed.number))}\n{t('zh', 'update.returned')}"
    ]
    # The department's card says so, without buttons.
    dept_cards = [m for m in member.messages() if (m.text or "").startswith("📌")]
    assert "已退回巡察组" in (dept_cards[-1].text or "") and dept_cards[-1].buttons == []

    await hand_off(inspector, filed, "区住房和城乡建设局")
    assert await status_of(bot, filed) == "handed_off"
    first, second = await handoffs_of(bot, filed.id)
    assert (first.return_reason, first.return_outcome) == ("not_ours", "accepted")
    assert second.ended_at is None
    assert t("zh", "card.button.insist") not in [x for x, _ in card(inspector, filed).buttons]


async def test_insisting_sends_the_card_back_with_the_note(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    await choose_then_reply(
        member, filed.number, f"dep:ret:{filed.id}", f"dep:rsn:{filed.id}:unclear", "位置不清"
    )
    member.new_messages()
    group_card = card(inspector, filed)
    insist = next(d for label, d in group_card.buttons if label == t("zh", "card.button.insist"))
    _answer, messages = await inspector.press(group_card, insist or "")
    messages = await inspector.reply(prompt_of(messages), "就在小店村三组 <东头> 机井")
    assert t("zh", "action.done.insist", number=filed.number) in texts(messages)
    assert await status_of(bot, filed) == "handed_off"

    fresh = with_buttons(member.new_messages())
    assert "巡察组坚持交办：就在小店村三组 <东头> 机井" in (fresh.text or "")
    assert fresh.buttons[0] == (t("zh", "dept.button.sign"), f"dep:sign:{filed.id}")
    first, second = await handoffs_of(bot, filed.id)
    assert first.return_outcome == "overruled"
    assert second.insist_note == "就在小店村三组 <东头> 机井"
    # The old insist button, pressed again, changes nothing.
    answer, _ = await inspector.press(group_card, insist or "", check=False)
    assert answer and await status_of(bot, filed) == "handed_off"
    assert len(await handoffs_of(bot, filed.id)) == 2


async def test_an_extension_approved_moves_the_date_everywhere(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    someone = person(bot, "张")
    filed = await file(bot, someone)
    await hand_off(inspector, filed)
    await signed(member, filed)
    someone.new_messages()
    inspector.new_messages()

    messages = await choose_then_reply(
        member, filed.number, f"dep:ext:{filed.id}", f"dep:day:{filed.id}:7", "需采购<水泵>"
    )
    assert t("zh", "dept.extension_sent", number=filed.number, days=7) in texts(messages)
    assert t("zh", "dept.card.extension_pending", days=7) in (
        card_in(member, filed.number).text or ""
    )
    request = with_buttons(inspector.new_messages())
    assert "区水利局申请延期 7 天（现期限 2023-03-21）" in (request.text or "")
    assert "需采购<水泵>" in (request.text or "")
    approve = request.buttons[0][1] or ""
    # A second request while one waits is refused.
    answer, _ = await press_card(member, filed.number, f"dep:ext:{filed.id}")
    assert answer == t("zh", "dept.extension_pending")
    # Another group's chat cannot answer it (the button forged on a message there).
    other_chat, other_admin = add_inspection_chat(bot, "第五巡察组", first_name="周")
    assert await link_chat(bot, other_chat, "group", "g5")
    there = bot.emu.bot_messages(other_chat.id)[-1]
    forged = bot.emu.press_button(other_admin, there, approve, check=False, chat=other_chat)
    await bot.settle()
    assert bot.emu.callback_answers[forged["id"]].text == t("zh", "action.refused.wrong_chat")

    approved, _ = await inspector.press(request, t("zh", "action.button.extension_y"))
    assert approved == t("zh", "action.extension.approved", date="2023-03-28")
    assert "已同意延期，新期限 2023-03-28" in (inspector.message(request.message_id).text or "")
    assert "2023-03-28" in (card(inspector, filed).text or "")
    the_card = card_in(member, filed.number)
    assert t("zh", "dept.card.due", date="2023-03-28") in (the_card.text or "")
    assert plain(
        t("zh", "dept.event.extension_approved", number=filed.number, date="2023-03-28")
    ) in texts(member.new_messages())
    told = texts(someone.new_messages())
    assert t("zh", "update.extension_approved", date="2023-03-28") in told
    # Pressed again (a stale button): answered, nothing moves.
    again, _ = await inspector.press(request, approve, check=False)
    assert again == t("zh", "action.extension.answered")
    (row,) = await handoffs_of(bot, filed.id)
    assert (row.extended_days, row.extension_decided_by) == (7, "李组长")


async def test_an_extension_refused_keeps_the_date_and_says_why(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    await signed(member, filed)
    inspector.new_messages()
    await choose_then_reply(
        member, filed.number, f"dep:ext:{filed.id}", f"dep:day:{filed.id}:3", "人手不足"
    )
    request = with_buttons(inspector.new_messages())
    member.new_messages()
    _answer, messages = await inspector.press(request, t("zh", "action.button.extension_n"))
    messages = await inspector.reply(prompt_of(messages), "群众 <急需> 用水")
    assert t("zh", "action.done.refuse_extension", number=filed.number) in texts(messages)
    told = texts(member.new_messages())
    assert "延期申请未获同意" in told and "群众 <急需> 用水" in told
    assert t("zh", "dept.card.due", date="2023-03-21") in (
        card_in(member, filed.number).text or ""
    )
    assert "2023-03-21" in (card(inspector, filed).text or "")


async def test_an_extension_after_the_due_date_is_refused(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    await signed(member, filed)
    bot.clock.advance(timedelta(days=8))  # 2023-03-22: the day after the due date
    answer, messages = await press_card(member, filed.number, f"dep:ext:{filed.id}")
    assert answer == t("zh", "dept.extension_overdue")
    assert not [m for m in messages if m.buttons]
    # A forged days button is refused the same way.
    forged, _ = await member.press(
        card_in(member, filed.number), f"dep:day:{filed.id}:7", check=False
    )
    assert forged == t("zh", "dept.extension_overdue")
    (row,) = await handoffs_of(bot, filed.id)
    assert row.extension_state is None


async def test_progress_with_photos_reaches_the_group_and_the_resident(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    someone = person(bot, "张")
    filed = await file(bot, someone)
    await hand_off(inspector, filed)
    await signed(member, filed)
    someone.new_messages()
    inspector.new_messages()

    _answer, messages = await press_card(member, filed.number, f"dep:prg:{filed.id}")
    prompt = prompt_of(messages)
    sent = await reply_with_photos(member, prompt, 2, "已勘查现场，<水泵> 已订购")
    assert t("zh", "dept.progress_sent", number=filed.number) in texts(sent)
    assert await status_of(bot, filed) == "handed_off"
    in_group = inspector.new_messages()
    notice = next(m for m in in_group if "报告阶段性进展" in (m.text or ""))
    assert "已勘查现场，<水泵> 已订购" in (notice.text or "")
    group_card = card(inspector, filed)
    assert notice.reply_to_message_id == group_card.message_id
    photos = [m for m in in_group if m.get("photo")]
    assert len(photos) == 2 and all(m.reply_to_message_id == group_card.message_id for m in photos)
    told = someone.new_messages()
    assert [m.text for m in told] == [
        f"{plain(t('zh', 'update.header', number=filed.number))}\n"
        + t("zh", "update.progress", text="已勘查现场，<水泵> 已订购")
    ]
    # A sixth photo is one too many.
    _answer, messages = await press_card(member, filed.number, f"dep:prg:{filed.id}")
    prompt = prompt_of(messages)
    await reply_with_photos(member, prompt, 5, "")
    member.emu.send_photo(member.user, chat=member.chat, reply_to=prompt)
    await bot.settle()
    assert texts(member.new_messages()) == t("zh", "dept.too_many_photos", max=5)


async def test_a_report_with_photos_shows_them_to_the_group_and_the_resident(
    bot: BotHarness,
) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    someone = person(bot, "张")
    filed = await file(bot, someone)
    await hand_off(inspector, filed)
    someone.new_messages()
    inspector.new_messages()
    # Reported without signing first: the report signs for it.
    _answer, messages = await member.press(
        card_in(member, filed.number), f"dep:done:{filed.id}", check=False
    )
    prompt = prompt_of(messages)
    for caption in ("井口已封", None):
        member.emu.send_photo(member.user, caption=caption, chat=member.chat, reply_to=prompt)
        await bot.settle()
    assert len(member.new_messages()) == 2, "each photo acknowledged"
    sent = await member.reply(prompt, "已更换潜水泵")
    assert t("zh", "dept.reported", number=filed.number) in texts(sent)
    assert await status_of(bot, filed) == "resolved"
    in_group = inspector.new_messages()
    notice = next(m for m in in_group if "报告已办结" in (m.text or ""))
    assert "井口已封\n已更换潜水泵" in (notice.text or ""), "the caption is kept"
    assert len([m for m in in_group if m.get("photo")]) == 2
    told = someone.new_messages()
    assert len([m for m in told if m.get("photo")]) == 2
    survey = survey_of(told)
    assert "已更换潜水泵" in (survey.text or "")
    (row,) = await handoffs_of(bot, filed.id)
    assert row.signed_at is not None and row.done_at is not None
    assert set(photo_ids(told)) == set(photo_ids(in_group))


async def test_a_stale_reason_or_a_forged_press_changes_nothing(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    other = await department_chat(bot, "housing", "区住房和城乡建设局")
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    _answer, messages = await press_card(member, filed.number, f"dep:ret:{filed.id}")
    reasons = with_buttons(messages)
    # Another department's chat, pressing the same data, is told it is not theirs.
    there = other.messages()[-1]
    forged = bot.emu.press_button(
        other.user, there, f"dep:rsn:{filed.id}:other", check=False, chat=other.chat
    )
    await bot.settle()
    assert bot.emu.callback_answers[forged["id"]].text == t("zh", "dept.not_yours")
    # The group resolves it meanwhile: the reason, pressed late, asks for nothing.
    await prompted(inspector, filed, "res", "巡察组已协调解决")
    member.new_messages()
    answer, messages = await member.press(reasons, f"dep:rsn:{filed.id}:not_ours")
    assert answer == t("zh", "dept.already_done")
    assert not [m for m in messages if (m.reply_markup or {}).get("force_reply")]
    assert await status_of(bot, filed) == "resolved"
    (row,) = await handoffs_of(bot, filed.id)
    assert row.returned_at is None
    # A button of a format nobody knows is answered too.
    answer, _ = await member.press(reasons, f"dep:zzz:{filed.id}", check=False)
    assert answer == t("zh", "dept.button_invalid")
