"""回访 with two questions, through the emulator: 问题解决了吗, then 您满意吗; 部分解决 asks the
group whether to reopen (a prompt under the card with 重新办理 / 办结归档)."""

from __future__ import annotations

from emulator.models import StoredMessage
from handlers.i18n import t
from storage.models import Complaint
from tests.e2e.test_resident_updates import (
    Filed,
    act,
    file,
    group_chat,
    prompted,
    status_of,
    survey_of,
)
from tests.helpers.groups import Inspector, add_inspection_chat, link_chat
from tests.helpers.harness import BotHarness
from tests.helpers.resident import person, texts


async def resolved(bot: BotHarness) -> tuple[Inspector, Filed, StoredMessage]:
    """g3's chat, a complaint accepted and resolved there, and the resident's survey."""
    inspector = await group_chat(bot)
    someone = person(bot, "王", language="zh")
    filed = await file(bot, someone)
    await act(inspector, filed, "acc")
    await prompted(inspector, filed, "res", "已修好")
    survey = survey_of(someone.new_messages())
    inspector.new_messages()
    return inspector, filed, survey


async def answers(bot: BotHarness, filed: Filed) -> tuple[str | None, str | None]:
    """The complaint's stored 回访 answers."""
    async with bot.database.transaction() as session:
        row = await session.get(Complaint, filed.id)
        assert row is not None
        return row.resolution_state, row.satisfaction


def card(inspector: Inspector, filed: Filed) -> StoredMessage:
    """The complaint's card (not the prompts and alerts that name its number too)."""
    found = [
        m
        for m in inspector.messages()
        if filed.number in (m.text or "") and "【" in (m.text or "")
    ]
    assert found, inspector.messages()
    return found[0]


def prompt_of(inspector: Inspector, filed: Filed) -> StoredMessage:
    """The group's 部分解决 prompt under the card."""
    found = [
        m
        for m in inspector.new_messages()
        if any((d or "").startswith(f"rv:{filed.id}:") for _, d in m.buttons)
    ]
    assert len(found) == 1, found
    return found[0]


async def partly(bot: BotHarness, satisfied: str = "b") -> tuple[Inspector, Filed, StoredMessage]:
    """Resolved, then 部分解决 and a satisfaction: the group's prompt."""
    inspector, filed, survey = await resolved(bot)
    someone = filed.resident
    answer, messages = await someone.press(survey, f"sv:{filed.id}:p")
    assert answer == t("zh", "survey.noted")
    second = survey_of(messages)
    assert "满意吗" in (second.text or "") and filed.number in (second.text or "")
    answer, _messages = await someone.press(second, f"sv:{filed.id}:{satisfied}")
    assert answer == t("zh", "survey.partly")
    assert await status_of(bot, filed) == "resolved"
    return inspector, filed, prompt_of(inspector, filed)


async def test_partly_solved_asks_the_group_which_reopens_it(bot: BotHarness) -> None:
    inspector, filed, prompt = await partly(bot)
    assert prompt.reply_to_message_id == card(inspector, filed).message_id
    assert "部分解决" in (prompt.text or "") and "基本满意" in (prompt.text or "")
    assert [label for label, _ in prompt.buttons] == ["↩️ 重新办理", "🗂 办结归档"]
    text = card(inspector, filed).text or ""
    assert "问题解决情况：部分解决" in text and "群众评价：基本满意" in text
    filed.resident.new_messages()

    answer, _messages = await inspector.press(prompt, f"rv:{filed.id}:r")
    assert answer == t("zh", "review.reopened", number=filed.number)
    assert await status_of(bot, filed) == "accepted"
    assert inspector.message(prompt.message_id).buttons == [], "the prompt's buttons go"
    assert t("zh", "update.reopened") in texts(filed.resident.new_messages())
    assert "【已受理】" in (card(inspector, filed).text or "")
    # The answers stay for the rates.
    assert await answers(bot, filed) == ("partly", "basic")

    # Pressed again (two inspectors at once, an old prompt): nothing changes.
    answer, _messages = await inspector.press(prompt, f"rv:{filed.id}:c", check=False)
    assert answer == t("zh", "action.refused.moved_on", status=t("zh", "status.accepted"))
    assert await status_of(bot, filed) == "accepted"


async def test_partly_solved_the_group_closes_it(bot: BotHarness) -> None:
    inspector, filed, prompt = await partly(bot, satisfied="s")
    filed.resident.new_messages()
    answer, _messages = await inspector.press(prompt, f"rv:{filed.id}:c")
    assert answer == t("zh", "review.closed", number=filed.number)
    assert await status_of(bot, filed) == "closed"
    told = texts(filed.resident.new_messages())
    assert t("zh", "update.closed_rated", satisfaction="满意") in told
    assert "【已关闭】" in (card(inspector, filed).text or "")


async def test_only_the_owning_group_decides(bot: BotHarness) -> None:
    _inspector, filed, prompt = await partly(bot)
    chat, admin = add_inspection_chat(bot, "第五巡察组", first_name="周组长")
    await link_chat(bot, chat, "group", "g5")
    other = Inspector(bot, admin, chat)
    (own,) = [m for m in other.messages() if m.buttons == []][-1:]
    answer, _messages = await other.press(own, f"rv:{filed.id}:r", check=False)
    assert answer == t("zh", "action.refused.wrong_chat")
    assert await status_of(bot, filed) == "resolved"
    assert prompt.buttons, "the prompt keeps its buttons"


async def test_unsolved_reopens_at_once_and_the_satisfaction_is_still_kept(
    bot: BotHarness,
) -> None:
    inspector, filed, survey = await resolved(bot)
    someone = filed.resident
    answer, messages = await someone.press(survey, f"sv:{filed.id}:n")
    assert answer == t("zh", "survey.reopened_unsolved")
    assert await status_of(bot, filed) == "accepted"
    assert t("zh", "update.reopened") in texts(messages)
    alerts = [m for m in inspector.new_messages() if "未解决" in (m.text or "")]
    assert alerts and alerts[0].reply_to_message_id == card(inspector, filed).message_id
    second = survey_of(messages)
    answer, _messages = await someone.press(second, f"sv:{filed.id}:u")
    assert answer == t("zh", "survey.thanks")
    assert await answers(bot, filed) == ("unsolved", "unsatisfied")
    assert await status_of(bot, filed) == "accepted"


async def test_solved_and_satisfied_closes(bot: BotHarness) -> None:
    _inspector, filed, survey = await resolved(bot)
    someone = filed.resident
    _answer, messages = await someone.press(survey, f"sv:{filed.id}:y")
    assert await status_of(bot, filed) == "resolved"
    _answer, messages = await someone.press(survey_of(messages), f"sv:{filed.id}:b")
    assert await status_of(bot, filed) == "closed"
    assert await answers(bot, filed) == ("solved", "basic")
    # The first question pressed again: answered already.
    answer, _messages = await someone.press(survey, f"sv:{filed.id}:n", check=False)
    assert answer == t("zh", "survey.already")
    assert await status_of(bot, filed) == "closed"
