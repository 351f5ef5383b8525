"""The resident after filing (issue 11), through the emulator: 撤回 (the group told, the card
shows it, not twice, not once resolved) and 补充材料 (under the group's card, anonymous stays
anonymous, the filing's limits)."""

from __future__ import annotations

from emulator.models import StoredMessage
from tests.e2e.test_resident_updates import Filed, act, card, file, group_chat, prompted
from tests.helpers.groups import Inspector
from tests.helpers.harness import BotHarness
from tests.helpers.resident import Person, complaints_of, person, texts


def receipt(someone: Person) -> StoredMessage:
    """The resident's receipt (the message with 补充材料 and 撤回 under it)."""
    found = [
        m
        for m in someone.emu.bot_messages(someone.user.id)
        if any((d or "").startswith("ra:") for _, d in m.buttons)
    ]
    assert found, someone.emu.bot_messages(someone.user.id)
    return found[0]


async def status_of(bot: BotHarness, filed: Filed) -> str:
    """The complaint's status as the database has it now."""
    (found,) = [c for c in await complaints_of(bot, filed.resident.user.id) if c.id == filed.id]
    return found.status


async def filed_in_g3(bot: BotHarness, *, anonymous: bool = True) -> tuple[Inspector, Filed]:
    """g3's chat and a complaint a resident filed there."""
    inspector = await group_chat(bot)
    someone = person(bot, "赵", last_name="大妈")
    filed = await file(bot, someone, anonymous=anonymous)
    inspector.new_messages()
    someone.new_messages()
    return inspector, filed


async def test_the_resident_withdraws_with_a_reason_and_the_group_is_told(
    bot: BotHarness,
) -> None:
    inspector, filed = await filed_in_g3(bot)
    someone = filed.resident
    await act(inspector, filed, "acc")
    someone.new_messages()
    inspector.new_messages()
    receipt_message = receipt(someone)
    assert [label for label, _ in receipt_message.buttons] == ["📎 补充材料", "↩️ 撤回"]

    _answer, messages = await someone.press(receipt_message, f"ra:{filed.id}:w")
    assert "确定要撤回反映" in texts(messages)
    messages = await someone.say("问题已经自己解决了")
    assert "您已撤回这条反映" in texts(messages)
    assert await status_of(bot, filed) == "withdrawn"

    told = texts(inspector.new_messages())
    assert f"{filed.number} 群众已撤回" in told and "问题已经自己解决了" in told
    assert "群众撤回" in (card(inspector, filed).text or "").splitlines()[0]
    # The card offers nothing that moves it any more.
    assert not any(
        (d or "").startswith(f"cmp:acc:{filed.id}") for _, d in card(inspector, filed).buttons
    )

    # Twice: a clear answer, nothing changes.
    answer, messages = await someone.press(receipt_message, f"ra:{filed.id}:w")
    assert "已经撤回过了" in (answer or "")
    assert await status_of(bot, filed) == "withdrawn"
    assert inspector.new_messages() == []

    status = texts(await someone.say(f"/status {filed.number}"))
    assert "群众撤回" in status and "/start" in status


async def test_confirming_without_a_reason_and_keeping_it(bot: BotHarness) -> None:
    inspector, filed = await filed_in_g3(bot)
    someone = filed.resident
    _answer, messages = await someone.press(receipt(someone), f"ra:{filed.id}:w")
    ask = messages[-1]
    _answer, messages = await someone.press(ask, "不撤回")
    assert "没有撤回" in texts(messages)
    assert await status_of(bot, filed) == "new"

    _answer, messages = await someone.press(receipt(someone), f"ra:{filed.id}:w")
    _answer, messages = await someone.press(messages[-1], "确认撤回")
    assert "您已撤回这条反映" in texts(messages)
    assert await status_of(bot, filed) == "withdrawn"
    assert "（未说明）" in texts(inspector.new_messages())


async def test_a_resolved_complaint_cannot_be_withdrawn(bot: BotHarness) -> None:
    inspector, filed = await filed_in_g3(bot)
    someone = filed.resident
    await act(inspector, filed, "acc")
    await prompted(inspector, filed, "res", "已修好")
    someone.new_messages()
    inspector.new_messages()

    answer, _messages = await someone.press(receipt(someone), f"ra:{filed.id}:w")
    assert "不能再补充或撤回" in (answer or "") and "/start" in (answer or "")
    assert await status_of(bot, filed) == "resolved"
    assert inspector.new_messages() == []
    status = await someone.say(f"/status {filed.number}")
    assert not any(m.buttons for m in status)
    assert "如有新的问题，请发送 /start 重新反映" in texts(status)


async def test_more_material_goes_under_the_card_and_anonymous_stays_anonymous(
    bot: BotHarness,
) -> None:
    inspector, filed = await filed_in_g3(bot)
    someone = filed.resident
    _answer, messages = await someone.press(receipt(someone), f"ra:{filed.id}:s")
    assert "请发送要补充到反映" in texts(messages)
    messages = await someone.say("补充一下：机井旁边的电线也断了，很危险。")
    assert "已补充到反映" in texts(messages)
    told = inspector.new_messages()
    assert "群众补充材料" in texts(told) and "电线也断了" in texts(told)
    card_id = card(inspector, filed).message_id
    assert all((m.get("reply_to_message") or {}).get("message_id") == card_id for m in told)
    assert "赵" not in texts(told)

    await someone.photo()
    await someone.voice()
    kinds = [m.kind for m in inspector.new_messages()]
    assert "photo" in kinds and "voice" in kinds

    # Over the limits: a second voice message, a 6th photo, too long a text; nothing sent.
    assert "只能补充一条语音" in texts(await someone.voice())
    # An album is answered once, for all its photos.
    (sent,) = await someone.album(4)
    assert "已补充到反映" in (sent.text or "")
    inspector.new_messages()
    assert "最多补充 5 张照片" in texts(await someone.photo())
    assert "文字太长了" in texts(await someone.say("长" * 2001))
    assert inspector.new_messages() == []

    # /cancel ends it; the next text is no material any more.
    assert "已结束" in texts(await someone.say("/cancel"))
    await someone.say("这句话不是补充材料，是随便说的。")
    assert inspector.new_messages() == []


async def test_a_question_about_a_resolved_complaint_is_no_longer_answered(
    bot: BotHarness,
) -> None:
    inspector, filed = await filed_in_g3(bot)
    someone = filed.resident
    await act(inspector, filed, "acc")
    await prompted(inspector, filed, "ask", "机井具体在村里哪个位置？")
    question = next(
        m for m in someone.new_messages() if any((d or "").startswith("fq:") for _, d in m.buttons)
    )
    await prompted(inspector, filed, "res", "已修好")
    inspector.new_messages()
    answer, _messages = await someone.press(question, "✏️ 回答")
    assert "不能再补充或撤回" in (answer or "") and "/start" in (answer or "")
    await someone.say("在村东头")
    assert "在村东头" not in texts(inspector.new_messages())


async def test_those_who_joined_hear_that_it_was_withdrawn_by_its_resident(
    bot: BotHarness,
) -> None:
    inspector, first = await filed_in_g3(bot)
    second = await file(bot, person(bot, "钱"))
    await prompted(inspector, second, "mrg", first.number)
    second.resident.new_messages()
    first.resident.new_messages()
    _answer, asked = await first.resident.press(receipt(first.resident), f"ra:{first.id}:w")
    _answer, told = await first.resident.press(asked[-1], "确认撤回")
    assert "您已撤回这条反映" in texts(told)
    joined = texts(second.resident.new_messages())
    assert "已由反映人撤回" in joined and "您已撤回" not in joined
