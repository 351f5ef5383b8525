"""The resident's identity stays out of every chat for an anonymous complaint; typed text is
shown exactly as typed."""

from __future__ import annotations

from tests.helpers.group_flow import complaint, file, linked_chat, prompt_in
from tests.helpers.harness import BotHarness
from tests.helpers.resident import texts, with_buttons

XIAODIAN = (33.742, 113.351)


def everything_shown(bot: BotHarness, chat_id: int) -> str:
    """Every text and caption the bot ever showed in a chat, every version of every edit."""
    shown: list[str] = []
    for message in bot.emu.messages(chat_id, include_deleted=True):
        if not message.from_bot:
            continue
        shown.extend(v or "" for v in message.versions)
        shown.append(message.text or "")
        shown.extend(t for t, _ in message.buttons)
    return "\n".join(shown)


async def test_an_anonymous_complaint_names_nobody_in_any_chat(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    department = await linked_chat(bot, "department", "water", "区水利局工作群", "孙局长")
    resident, number = await file(
        bot,
        anonymous=True,
        first_name="隐名",
        last_name="氏",
        username="hidden_villager",
        photos=1,
        voice=True,
        location=XIAODIAN,
    )
    user = resident.user
    assert (await complaint(bot, number)).reporter_name is None

    # The whole story: accepted, taken, asked (and answered), handed off, reported done.
    await group.press(group.card(number), "受理")
    await group.press(group.card(number), "认领")
    _answer, messages = await group.press(group.card(number), "追问")
    await group.reply(prompt_in(messages), "井在哪里？")
    question = with_buttons(resident.new_messages())
    await resident.press(question, question.buttons[0][1] or "")
    await resident.say("在村东头")
    _answer, messages = await group.press(group.card(number), "现场交办")
    choice = with_buttons(messages)
    await group.press(choice, "区水利局")
    await group.press(group.message(choice.message_id), "3天")
    dept_card = with_buttons(department.new_messages())
    await department.press(dept_card, "✍️ 签收")
    _answer, messages = await department.press(
        department.message(dept_card.message_id), "✅ 报告办结"
    )
    await department.reply(prompt_in(messages), "已修好")

    assert "匿名" in (group.card(number).text or "")
    for chat_id in (group.chat.id, department.chat.id):
        shown = everything_shown(bot, chat_id)
        assert number in shown
        for secret in ("隐名", "hidden_villager", str(user.id)):
            assert secret not in shown, (chat_id, secret)
    # Nor in any request the bot made to those chats (captions, replies, markup).
    for record in bot.emu.requests:
        if record.params.get("chat_id") in (str(group.chat.id), group.chat.id):
            assert "hidden_villager" not in str(record.params)
            assert "隐名" not in str(record.params)


async def test_a_named_complaint_shows_its_identity_in_the_group_only(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    department = await linked_chat(bot, "department", "water", "区水利局工作群", "孙局长")
    _resident, number = await file(
        bot,
        anonymous=False,
        first_name="实名",
        username="named_villager",
        phone="+8613812345678",
    )
    card = group.card(number).text or ""
    assert "实名" in card and "@named_villager" in card and "+8613812345678" in card
    _answer, messages = await group.press(group.card(number), "现场交办")
    choice = with_buttons(messages)
    await group.press(choice, "区水利局")
    await group.press(group.message(choice.message_id), "15天")
    shown = everything_shown(bot, department.chat.id)
    assert number in shown
    for secret in ("实名", "named_villager", "13812345678"):
        assert secret not in shown


NASTY_DESCRIPTION = "水压 <10% & 管子*坏了* _快修_ </b> &amp; `x` [链接](http://x)"


async def test_text_full_of_markup_characters_is_shown_exactly_as_typed(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot, description=NASTY_DESCRIPTION)
    assert NASTY_DESCRIPTION in (group.card(number).text or "")

    reason = "不属于<巡察>范围 & 请找*乡政府*_信访办_ </i>"
    _answer, messages = await group.press(group.card(number), "不予受理")
    resident.new_messages()
    await group.reply(prompt_in(messages), reason)
    assert reason in texts(resident.new_messages())

    note = "备注 <内部> & *勿外传* _谢谢_ &lt;"
    _answer, messages = await group.press(group.card(number), "备注")
    messages = await group.reply(prompt_in(messages), note)
    assert number in texts(messages)
    found = await complaint(bot, number)
    assert found.description == NASTY_DESCRIPTION

    await group.press(group.card(number), "重新受理")
    _answer, messages = await group.press(group.card(number), "办结")
    resolution = "修好了 <全部> & *完* _毕_"
    await group.reply(prompt_in(messages), resolution)
    card = group.card(number).text or ""
    assert NASTY_DESCRIPTION in card and f"办理结果：{resolution}" in card
    assert resolution in texts(resident.new_messages())
    # No request the bot made was refused for its formatting (an edit into the same content,
    # after the internal note, is not an error).
    refused = [
        r
        for r in bot.emu.requests
        if r.status == 400 and "not modified" not in (r.description or "")
    ]
    assert refused == []
