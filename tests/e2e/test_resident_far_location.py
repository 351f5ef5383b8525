"""A shared location far from the chosen village is asked about before it is kept."""

from __future__ import annotations

from storage import villages
from tests.helpers.harness import BotHarness
from tests.helpers.resident import (
    DESCRIPTION_EN,
    DESCRIPTION_ZH,
    Person,
    draft_of,
    person,
    requests_location,
    texts,
    with_buttons,
)

XIAODIAN = (33.742, 113.351)
PARIS = (48.8566, 2.3522)
# About 15 km north of 小店村 (kept at once) and about 22 km north (asked about).
NEAR_ENOUGH = (33.877, 113.351)
JUST_TOO_FAR = (33.942, 113.351)


async def at_location(someone: Person, language: str = "zh") -> None:
    """From /start v_xiaodian to the location question."""
    english = language == "en"
    messages = await someone.say("/start v_xiaodian")
    _answer, messages = await someone.press(
        with_buttons(messages), "Drinking water and irrigation" if english else "饮水灌溉"
    )
    messages = await someone.say(DESCRIPTION_EN if english else DESCRIPTION_ZH)
    await someone.press(with_buttons(messages), "Done" if english else "完成")


def km_from_xiaodian(point: tuple[float, float]) -> str:
    return f"{villages.distance_km(*XIAODIAN, *point):.0f}"


async def test_a_far_location_is_asked_about_and_yes_keeps_it(bot: BotHarness) -> None:
    someone = person(bot)
    await at_location(someone)
    messages = await someone.location(*PARIS)
    question = with_buttons(messages)
    km = km_from_xiaodian(PARIS)
    expected = f"您发送的位置距离 小店村 约 {km} 公里，确定是问题所在的位置吗？"
    assert expected in (question.text or "")
    assert [text for text, _ in question.buttons] == ["是，就是这里", "重新发送位置"]
    assert "已记下位置" not in texts(messages)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "location_confirm"
    assert (draft.latitude, draft.longitude, draft.location_answered) == (None, None, False)

    answer, messages = await someone.press(question, "是，就是这里")
    assert answer is None
    (identity,) = messages
    assert (identity.text or "").startswith("已记下位置。") and "是否匿名" in (identity.text or "")
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "identity"
    assert (draft.latitude, draft.longitude, draft.location_answered) == (*PARIS, True)
    # The question's buttons are out of date once answered.
    answer, _messages = await someone.press(question, "重新发送位置")
    assert answer == "这个按钮已经过期了。"


async def test_resend_keeps_the_draft_at_the_location_step(bot: BotHarness) -> None:
    someone = person(bot)
    await at_location(someone)
    question = with_buttons(await someone.location(*PARIS))
    answer, messages = await someone.press(question, "重新发送位置")
    assert answer is None
    assert "问题发生在哪里" in texts(messages) and requests_location(messages[-1])
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "location"
    assert (draft.latitude, draft.longitude, draft.location_answered) == (None, None, False)
    # The old question's "yes" does not store the far location any more.
    answer, _messages = await someone.press(question, "是，就是这里")
    assert answer == "这个按钮已经过期了。"
    # A location near the village is then kept at once.
    messages = await someone.location(*XIAODIAN)
    assert "已记下位置" in texts(messages[:1])
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and (draft.latitude, draft.longitude) == XIAODIAN


async def test_within_20_km_is_kept_at_once_beyond_it_is_asked(bot: BotHarness) -> None:
    someone = person(bot)
    await at_location(someone)
    messages = await someone.location(*NEAR_ENOUGH)
    assert "已记下位置" in texts(messages[:1])
    assert not any("确定是问题所在的位置吗" in (m.text or "") for m in messages)
    other = person(bot, "李")
    await at_location(other)
    messages = await other.location(*JUST_TOO_FAR)
    assert f"约 {km_from_xiaodian(JUST_TOO_FAR)} 公里" in texts(messages)


async def test_a_pending_far_location_survives_a_restart(bot: BotHarness) -> None:
    someone = person(bot)
    await at_location(someone)
    question = with_buttons(await someone.location(*PARIS))
    await bot.restart()
    # Asked again after /start → continue, and the old question's buttons still work.
    messages = await someone.say("/start")
    _answer, messages = await someone.press(with_buttons(messages), "继续填写")
    assert "确定是问题所在的位置吗" in texts(messages)
    answer, messages = await someone.press(question, "是，就是这里")
    assert answer is None and "已记下位置" in texts(messages)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and (draft.latitude, draft.longitude) == PARIS


async def test_skip_an_address_or_another_location_instead(bot: BotHarness) -> None:
    someone = person(bot)
    await at_location(someone)
    await someone.location(*PARIS)
    messages = await someone.say("跳过")
    assert "不填写地点" in texts(messages)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "identity" and draft.latitude is None

    other = person(bot, "李")
    await at_location(other)
    await other.location(*PARIS)
    messages = await other.say("村东头机井旁")
    assert "已记下地址" in texts(messages)
    draft = await draft_of(bot, other.user.id)
    assert draft is not None and draft.address == "村东头机井旁" and draft.latitude is None

    third = person(bot, "王")
    await at_location(third)
    await third.location(*PARIS)
    messages = await third.location(*XIAODIAN)
    assert "已记下位置" in texts(messages)
    draft = await draft_of(bot, third.user.id)
    assert draft is not None and (draft.latitude, draft.longitude) == XIAODIAN

    # A sticker meanwhile says what the question takes.
    fourth = person(bot, "赵")
    await at_location(fourth)
    await fourth.location(*PARIS)
    messages = await fourth.send(bot.emu.send_sticker)
    assert "是，就是这里" in texts(messages)
    assert "确定是问题所在的位置吗" in texts(messages)


async def test_in_english(bot: BotHarness) -> None:
    someone = person(bot, "Ann", language="en")
    await at_location(someone, "en")
    question = with_buttons(await someone.location(*PARIS))
    assert f"The location you sent is about {km_from_xiaodian(PARIS)} km from 小店村." in (
        question.text or ""
    )
    assert [text for text, _ in question.buttons] == ["Yes, it is here", "Send it again"]
    _answer, messages = await someone.press(question, "Send it again")
    assert requests_location(messages[-1])
