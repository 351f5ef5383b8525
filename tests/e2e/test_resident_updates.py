"""Residents hear every step of their complaint, rate the result, and answer questions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from emulator.models import StoredMessage
from handlers.i18n import t
from storage import workflow
from storage.models import Complaint
from tests.helpers.groups import Inspector, add_inspection_chat, card_of, link_chat
from tests.helpers.harness import BotHarness
from tests.helpers.resident import (
    Person,
    complaints_of,
    person,
    submit_data,
    texts,
    walk_to_summary,
    with_buttons,
)

NASTY = "换了 <新水泵> & 管道 *加固* _完毕_"


@dataclass
class Filed:
    """A complaint a resident filed, and its card in the group chat."""

    resident: Person
    complaint: Complaint

    @property
    def number(self) -> str:
        return self.complaint.number

    @property
    def id(self) -> int:
        assert self.complaint.id is not None
        return self.complaint.id


async def group_chat(bot: BotHarness) -> Inspector:
    """The 第三巡察组's linked chat (it covers 小店村), and an inspector in it."""
    chat, admin = add_inspection_chat(bot, "第三巡察组", first_name="李组长")
    answers = await link_chat(bot, chat, "group", "g3")
    assert answers, "the bot confirms the link"
    return Inspector(bot, admin, chat)


async def file(
    bot: BotHarness,
    someone: Person,
    *,
    anonymous: bool = True,
    description: str = "村里机井水压太低，浇不了地，已经两个月了。",
) -> Filed:
    summary = await walk_to_summary(someone, description=description, anonymous=anonymous)
    # The same text again is offered 加入关注 first: these residents submit all the same.
    _answer, _messages = await someone.press(summary, submit_data(summary))
    found = await complaints_of(bot, someone.user.id)
    return Filed(someone, max(found, key=lambda c: c.id or 0))


def button(message: StoredMessage, prefix: str) -> str:
    """The data of the message's only button whose data starts with `prefix`."""
    found = [d for _, d in message.buttons if d and d.startswith(prefix)]
    assert len(found) == 1, (prefix, message.buttons)
    return found[0]


def card(inspector: Inspector, filed: Filed) -> StoredMessage:
    return card_of(inspector.messages(), filed.number)


async def act(inspector: Inspector, filed: Filed, code: str) -> list[StoredMessage]:
    """Press a card's button by its action code (acc, imm, hof, trf, rej, mrg, ask, res)."""
    current = card(inspector, filed)
    _answer, messages = await inspector.press(current, button(current, f"cmp:{code}:{filed.id}:"))
    return messages


async def prompted(inspector: Inspector, filed: Filed, code: str, text: str) -> None:
    """Press a button that asks for a reply, and reply to the prompt."""
    messages = await act(inspector, filed, code)
    prompt = messages[-1]
    await inspector.reply(prompt, text)


def first_button(message: StoredMessage, wanted: str) -> str:
    """The data of the first button whose text is `wanted` or whose data starts with it."""
    for text, data in message.buttons:
        if data and (text == wanted or data.startswith(wanted)):
            return data
    raise AssertionError(f"no button {wanted!r} in {message.buttons}")


async def choose(inspector: Inspector, filed: Filed, code: str, *choices: str) -> None:
    """Press a button that offers choices, then the choices (by text or data prefix)."""
    messages = await act(inspector, filed, code)
    choice = with_buttons(messages)
    for wanted in choices:
        _answer, _messages = await inspector.press(choice, first_button(choice, wanted))
        choice = inspector.message(choice.message_id)


async def status_of(bot: BotHarness, filed: Filed) -> str:
    (found,) = [c for c in await complaints_of(bot, filed.resident.user.id) if c.id == filed.id]
    return found.status


def survey_of(messages: list[StoredMessage]) -> StoredMessage:
    found = [m for m in messages if any((d or "").startswith("sv:") for _, d in m.buttons)]
    assert len(found) == 1, messages
    return found[0]


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_every_step_reaches_the_resident_in_their_language(
    bot: BotHarness, language: str
) -> None:
    inspector = await group_chat(bot)
    someone = person(bot, "张", language=language)
    filed = await file(bot, someone)
    someone.new_messages()
    header = t(language, "update.header", number=filed.number)

    await act(inspector, filed, "acc")
    (update,) = someone.new_messages()
    assert update.text == f"{header}\n{t(language, 'update.accepted')}".replace("<b>", "").replace(
        "</b>", ""
    )

    await choose(inspector, filed, "imm", f"cmp:due:{filed.id}:")
    (update,) = someone.new_messages()
    assert filed.number in (update.text or "")
    assert t(language, "update.immediate", date="2023-03-21") in (update.text or "")

    await prompted(inspector, filed, "res", NASTY)
    (update,) = someone.new_messages()
    assert NASTY in (update.text or ""), "typed text arrives exactly as typed"
    assert t(language, "survey.ask") in (update.text or "")
    # 回访's first question: is it solved? Then the second, as a message of its own.
    assert [d for _, d in update.buttons] == [f"sv:{filed.id}:{c}" for c in "ypn"]
    answer, messages = await someone.press(update, f"sv:{filed.id}:y")
    assert answer == t(language, "survey.noted")
    assert someone.message(update.message_id).buttons == [], "the first question's buttons go"
    second = survey_of(messages)
    assert filed.number in (second.text or "")
    assert [d for _, d in second.buttons] == [f"sv:{filed.id}:{c}" for c in "sbu"]
    assert await status_of(bot, filed) == "resolved"

    answer, messages = await someone.press(second, f"sv:{filed.id}:s")
    assert answer == t(language, "survey.thanks")
    assert someone.message(second.message_id).buttons == [], "the survey's buttons go"
    closing = texts(messages)
    assert filed.number in closing
    assert t(language, "survey.value.satisfied") in closing
    assert await status_of(bot, filed) == "closed"

    # /status shows the new steps, in words.
    timeline = texts(await someone.say(f"/status {filed.number}"))
    for action in ("accepted", "immediate", "resolved", "closed"):
        assert t(language, f"update.event.{action}") in timeline
    assert t(language, "survey.value.satisfied") in timeline
    assert NASTY in timeline

    # An old survey pressed again changes nothing.
    answer, _messages = await someone.press(update, f"sv:{filed.id}:u", check=False)
    assert answer == t(language, "survey.already")
    assert await status_of(bot, filed) == "closed"


async def test_not_satisfied_reopens_and_alerts_the_group(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    someone = person(bot, "王", language="zh")
    filed = await file(bot, someone)
    await act(inspector, filed, "acc")
    await prompted(inspector, filed, "res", "已修好")
    survey = survey_of(someone.new_messages())
    inspector.new_messages()

    # Solved, but not satisfied.
    _answer, messages = await someone.press(survey, f"sv:{filed.id}:y")
    survey = survey_of(messages)
    answer, messages = await someone.press(survey, f"sv:{filed.id}:u")
    assert answer == t("zh", "survey.reopened")
    assert t("zh", "update.reopened") in texts(messages)
    assert await status_of(bot, filed) == "accepted"
    alerts = [m for m in inspector.new_messages() if m.reply_to_message_id is not None]
    the_card = card(inspector, filed)
    assert any(
        m.reply_to_message_id == the_card.message_id and filed.number in (m.text or "")
        for m in alerts
    ), alerts

    # Pressed again (or another of its buttons): already answered; nothing changes.
    answer, _messages = await someone.press(survey, f"sv:{filed.id}:s", check=False)
    assert answer == t("zh", "survey.already")
    assert await status_of(bot, filed) == "accepted"


async def test_only_the_resident_can_rate_their_complaint(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    someone = person(bot, "王")
    filed = await file(bot, someone)
    await act(inspector, filed, "acc")
    await prompted(inspector, filed, "res", "已修好")
    stranger = person(bot, "赵")
    await stranger.say("/help")
    stranger_help = stranger.new_messages() or stranger.emu.bot_messages(stranger.user.id)
    answer, _messages = await stranger.press(stranger_help[-1], f"sv:{filed.id}:u", check=False)
    assert answer == t("zh", "button.stale")
    assert await status_of(bot, filed) == "resolved"
    answer, _messages = await someone.press(someone.new_messages()[-1], "sv:999:s", check=False)
    assert answer == t("zh", "button.stale")


async def test_reject_transfer_and_merge(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    first = await file(bot, person(bot, "甲", language="en"))
    second = await file(bot, person(bot, "乙", language="zh"))
    third = await file(bot, person(bot, "丙", language="en"))
    for filed in (first, second, third):
        filed.resident.new_messages()

    await prompted(inspector, first, "rej", "不属于 <巡察> 范围 & 请咨询信访")
    (update,) = first.resident.new_messages()
    assert "不属于 <巡察> 范围 & 请咨询信访" in (update.text or "")
    assert "0375-0000000" in (update.text or ""), "the round office's contact"
    assert "Reason" in (update.text or "")

    await choose(inspector, second, "trf", f"cmp:dep:{second.id}:")
    (update,) = second.resident.new_messages()
    assert update.text == "\n".join(
        [
            t("zh", "update.header", number=second.number).replace("<b>", "").replace("</b>", ""),
            t("zh", "update.transferred"),
        ]
    )
    assert "纪委" not in (update.text or "")

    await prompted(inspector, third, "mrg", first.number)
    # (first was rejected; merging into it is still possible: it is not finished)
    (update,) = third.resident.new_messages()
    assert first.number in (update.text or "") and third.number in (update.text or "")
    # The duplicate's resident hears the earlier complaint's later updates, told which.
    await act(inspector, first, "rec")
    (own,) = first.resident.new_messages()
    (follower,) = third.resident.new_messages()
    assert t("en", "update.reconsidered") in (own.text or "")
    assert t("en", "update.reconsidered") in (follower.text or "")
    assert first.number in (follower.text or "") and third.number in (follower.text or "")


async def test_a_question_is_answered_into_the_group_without_identity(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    someone = person(bot, "王", last_name="秘密", username="secret_user", language="en")
    filed = await file(bot, someone, anonymous=True)
    someone.new_messages()

    await prompted(inspector, filed, "ask", "Which well <exactly>?")
    (question,) = someone.new_messages()
    assert "Which well <exactly>?" in (question.text or "")
    assert filed.number in (question.text or "")
    answer, messages = await someone.press(question, button(question, "fq:"))
    assert answer is None
    assert t("en", "followup.type_answer", number=filed.number) in texts(messages)
    assert messages[-1].reply_markup and messages[-1].reply_markup.get("force_reply")

    inspector.new_messages()
    reply = "The one behind the <school> & the *old* mill_house"
    messages = await someone.say(reply)
    assert texts(messages) == t("en", "followup.sent", number=filed.number)
    group_side = inspector.new_messages()
    the_card = card(inspector, filed)
    notices = [m for m in group_side if reply in (m.text or "")]
    assert len(notices) == 1, group_side
    assert notices[0].reply_to_message_id == the_card.message_id
    # The notice quotes the question the answer is to (the event names its follow-up).
    assert "Which well <exactly>?" in (notices[0].text or "")
    everything = texts(inspector.messages())
    for secret in ("秘密", "secret_user", str(someone.user.id)):
        assert secret not in everything
    for message in inspector.messages():
        for entity in message.entities:
            assert (entity.get("user") or {}).get("id") != someone.user.id

    # Answered: the next text is the conversation's again; the button says so.
    messages = await someone.say("hello")
    assert t("en", "followup.sent", number=filed.number) not in texts(messages)
    answer, _messages = await someone.press(question, button(question, "fq:"))
    assert answer == t("en", "followup.already_answered")


async def test_cancel_while_answering(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    someone = person(bot, "王", language="zh")
    filed = await file(bot, someone)
    someone.new_messages()
    await prompted(inspector, filed, "ask", "具体位置？")
    (question,) = someone.new_messages()
    await someone.press(question, button(question, "fq:"))
    messages = await someone.say("/cancel")
    assert texts(messages) == t("zh", "followup.cancelled")
    inspector.new_messages()
    messages = await someone.say("学校后面")
    assert t("zh", "followup.sent", number=filed.number) not in texts(messages)
    assert not [m for m in inspector.new_messages() if "学校后面" in (m.text or "")]
    # Still open: the button works again, and a long answer is refused without losing it.
    await someone.press(question, button(question, "fq:"))
    messages = await someone.say("长" * 2001)
    assert texts(messages) == t("zh", "followup.too_long", max=2000)
    messages = await someone.say("学校后面")
    assert texts(messages) == t("zh", "followup.sent", number=filed.number)
    assert [m for m in inspector.new_messages() if "学校后面" in (m.text or "")]


async def test_a_survey_closed_without_an_answer(bot: BotHarness) -> None:
    """Closed meanwhile (no answer in time): the survey says it is over, and goes."""
    inspector = await group_chat(bot)
    someone = person(bot, "王", language="en")
    filed = await file(bot, someone)
    await act(inspector, filed, "acc")
    await prompted(inspector, filed, "res", "fixed")
    survey = survey_of(someone.new_messages())
    async with bot.database.transaction() as session:
        outcome = await workflow.close(
            session=session,
            complaint_id=filed.id,
            chat_id=None,
            expected="resolved",
            actor=workflow.Actor("system"),
            now=bot.clock.now(),
        )
        assert outcome.ok
    assert bot.runtime.app is not None
    bot.runtime.app.outbox_wakeup.set()
    await bot.settle()
    assert t("en", "update.closed") in texts(someone.new_messages())
    answer, _messages = await someone.press(survey, f"sv:{filed.id}:n")
    assert answer == t("en", "survey.expired")
    assert someone.message(survey.message_id).buttons == []
    assert await status_of(bot, filed) == "closed"


async def test_a_long_timeline_fits_one_status_message(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    someone = person(bot, "王", language="zh")
    filed = await file(bot, someone)
    for n in range(14):
        await prompted(inspector, filed, "ask", f"问题{n:02d}" + "<&>" * 600)
    someone.new_messages()
    messages = await someone.say(f"/status {filed.number}")
    (status,) = messages
    text = status.text or ""
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    assert "问题13" in text, "the latest steps are kept"
    assert "问题00" not in text and "…" in text


async def test_an_invisible_answer_is_no_answer(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    someone = person(bot, "王", language="zh")
    filed = await file(bot, someone)
    someone.new_messages()
    await prompted(inspector, filed, "ask", "具体位置？")
    (question,) = someone.new_messages()
    await someone.press(question, button(question, "fq:"))
    inspector.new_messages()
    messages = await someone.say("\u200b\u2060\ufeff" * 4)
    assert texts(messages) == t("zh", "followup.empty")
    assert not [m for m in inspector.new_messages() if "\u200b" in (m.text or "")]
    # Still answering: the next text with words is the answer, without zero-width characters.
    messages = await someone.say("学校\u200b后面")
    assert texts(messages) == t("zh", "followup.sent", number=filed.number)
    assert [m for m in inspector.new_messages() if "学校后面" in (m.text or "")]
