"""A card is edited only when what it shows changes (issue 9 item 6): a note, a question to
the resident and its answer leave it as it is, and a survey pressed twice edits nothing gone.

The emulator answers an identical edit as Telegram does (400 "message is not modified"); each
such call would spend one of the group's 20 sends a minute.
"""

from __future__ import annotations

from emulator.models import StoredMessage
from tests.helpers.group_flow import file, linked_chat, prompt_in
from tests.helpers.harness import BotHarness
from tests.helpers.resident import texts, with_buttons

NOT_MODIFIED = 400


def _unchanged_edits(bot: BotHarness) -> int:
    """How many edits the emulator refused so far (all refusals here are "not modified")."""
    return bot.emu.stats.by_status[NOT_MODIFIED]


def _shown(card: StoredMessage) -> tuple[str | None, int]:
    """What a card shows now and how often it was edited."""
    return card.text, card.edits


async def test_a_note_and_a_question_and_its_answer_do_not_edit_the_card(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot)
    await group.press(group.card(number), "受理")
    before = _unchanged_edits(bot)
    shown = _shown(group.card(number))

    _answer, messages = await group.press(group.card(number), "备注")
    assert "内部备注" in texts(await group.reply(prompt_in(messages), "已电话联系"))
    _answer, messages = await group.press(group.card(number), "追问")
    resident.new_messages()
    assert "已把追问发给" in texts(await group.reply(prompt_in(messages), "具体是哪一口井？"))
    question = with_buttons(resident.new_messages())
    await resident.press(question, question.buttons[0][1] or "")
    await resident.say("村东头第二口井")
    assert [m for m in group.new_messages() if "回复了追问" in (m.text or "")]
    await bot.settle()

    assert _unchanged_edits(bot) == before, "no edit of an unchanged card reaches Telegram"
    assert _shown(group.card(number)) == shown

    # Something the card shows changes: it is edited.
    _answer, messages = await group.press(group.card(number), "办结")
    await group.reply(prompt_in(messages), "已修好")
    assert "【已办结】" in (group.card(number).text or "")
    assert group.card(number).edits == shown[1] + 1
    assert _unchanged_edits(bot) == before


async def test_a_survey_pressed_twice_changes_once_and_edits_no_gone_keyboard(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot)
    await group.press(group.card(number), "受理")
    _answer, messages = await group.press(group.card(number), "办结")
    resident.new_messages()
    await group.reply(prompt_in(messages), "已修好")
    survey = with_buttons(resident.new_messages())
    data = survey.buttons[0][1] or ""
    before = _unchanged_edits(bot)

    first, messages = await resident.press(survey, data)
    assert resident.message(survey.message_id).buttons == []
    # A double tap: the second press carries the same data, the keyboard already gone.
    second, _ = await resident.press(survey, data, check=False)
    await bot.settle()
    assert first is not None and second is not None
    assert resident.message(survey.message_id).edits == 1
    assert _unchanged_edits(bot) == before, "no edit of a keyboard that is already gone"
    # The second question, pressed twice too: closed once.
    satisfaction = with_buttons(messages)
    data = satisfaction.buttons[0][1] or ""
    await resident.press(satisfaction, data)
    await resident.press(satisfaction, data, check=False)
    await bot.settle()
    assert "【已关闭】" in (group.card(number).text or "")
    assert resident.message(satisfaction.message_id).edits == 1
    assert _unchanged_edits(bot) == before
