"""A department's chat: hand-off cards without the resident's identity, and reports of done."""

from __future__ import annotations

from emulator.models import StoredMessage
from handlers.i18n import t
from tests.e2e.test_resident_updates import (
    Filed,
    card,
    choose,
    file,
    group_chat,
    prompted,
    status_of,
    survey_of,
)
from tests.helpers.groups import Inspector, add_inspection_chat, link_chat
from tests.helpers.harness import BotHarness
from tests.helpers.resident import (
    Person,
    answer_survey,
    complaints_of,
    labels_of,
    person,
    submit_data,
    texts,
    with_buttons,
)

PHONE = "+8613912345678"
REPORT = "已更换 <潜水泵> & 清理 *井口* _完毕_"


async def department_chat(
    bot: BotHarness, code: str = "water", title: str = "区水利局"
) -> Inspector:
    chat, admin = add_inspection_chat(bot, title, first_name="水利老周")
    assert await link_chat(bot, chat, "department", code)
    return Inspector(bot, admin, chat)


async def file_named(bot: BotHarness, someone: Person) -> Filed:
    """A named complaint with the resident's phone number."""
    labels = labels_of(someone)
    messages = await someone.say("/start v_xiaodian")
    categories = with_buttons(messages)
    _answer, messages = await someone.press(categories, categories.buttons[0][0])
    messages = await someone.say("机井没水了，浇不了地，已经两个月了。")
    _answer, messages = await someone.press(with_buttons(messages), labels["done"])
    messages = await someone.say(labels["skip"])
    _answer, messages = await someone.press(with_buttons(messages), labels["named"])
    messages = await someone.contact(PHONE)
    summary = with_buttons(messages)
    _answer, messages = await someone.press(summary, submit_data(summary))
    (complaint,) = await complaints_of(bot, someone.user.id)
    assert complaint.reporter_phone == PHONE
    return Filed(someone, complaint)


async def hand_off(inspector: Inspector, filed: Filed, department: str = "区水利局") -> None:
    await choose(inspector, filed, "hof", department, f"cmp:due:{filed.id}:")


def department_card(member: Inspector, filed: Filed) -> StoredMessage:
    found = [m for m in member.messages() if filed.number in (m.text or "") and m.buttons]
    assert found, member.messages()
    return found[-1]


async def signed(member: Inspector, filed: Filed) -> StoredMessage:
    """The department signs for its card (签收); the card as it is then."""
    the_card = department_card(member, filed)
    answer, _messages = await member.press(the_card, f"dep:sign:{filed.id}")
    assert answer == t("zh", "dept.signed", number=filed.number)
    return member.message(the_card.message_id)


def assert_no_identity(member: Inspector, someone: Person) -> None:
    """Nothing in the department's chat says who reported it."""
    secrets = ("秘密", "secret_user", PHONE, PHONE.lstrip("+"), str(someone.user.id))
    for message in member.emu.messages(member.chat.id):
        text = (message.text or "") + repr(message.reply_markup)
        for secret in secrets:
            assert secret not in text, (secret, message)
        for entity in message.entities:
            assert (entity.get("user") or {}).get("id") != someone.user.id


async def test_hand_off_report_and_resolution(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    someone = person(bot, "王", last_name="秘密", username="secret_user", language="en")
    filed = await file_named(bot, someone)
    assert "secret_user" in (card(inspector, filed).text or ""), "the group sees who it is"
    someone.new_messages()

    await hand_off(inspector, filed)
    the_card = department_card(member, filed)
    text = the_card.text or ""
    for shown in (filed.number, "小店村", "东高皇街道", "饮水灌溉", "2023-03-21", "机井没水了"):
        assert shown in text
    assert the_card.buttons == [
        (t("zh", "dept.button.sign"), f"dep:sign:{filed.id}"),
        (t("zh", "dept.button.ret"), f"dep:ret:{filed.id}"),
    ]
    assert_no_identity(member, someone)
    (update,) = someone.new_messages()
    assert "区水利局" in (update.text or "") and "2023-03-21" in (update.text or "")
    the_card = await signed(member, filed)
    assert (t("zh", "dept.button.done"), f"dep:done:{filed.id}") in the_card.buttons

    answer, messages = await member.press(the_card, f"dep:done:{filed.id}")
    assert answer == t("zh", "dept.prompt_sent")
    prompt = messages[-1]
    assert prompt.reply_markup and prompt.reply_markup.get("force_reply")
    assert prompt.reply_to_message_id == the_card.message_id

    # Someone else's reply to the prompt is not the report.
    colleague = bot.emu.add_user(first_name="小孙", language_code="zh")
    bot.emu.send_text(colleague, "我来看看", chat=member.chat, reply_to=prompt)
    await bot.settle()
    assert await status_of(bot, filed) == "handed_off"

    inspector.new_messages()
    messages = await member.reply(prompt, REPORT)
    assert t("zh", "dept.reported", number=filed.number) in texts(messages)
    assert await status_of(bot, filed) == "resolved"

    # The resident hears it, with the survey.
    survey = survey_of(someone.new_messages())
    assert REPORT in (survey.text or "") and filed.number in (survey.text or "")
    # The group chat is told, as a reply to the card.
    notices = [m for m in inspector.new_messages() if REPORT in (m.text or "")]
    assert notices and notices[0].reply_to_message_id == card(inspector, filed).message_id
    # The department's card shows it done, without the button.
    refreshed = member.message(the_card.message_id)
    assert refreshed.buttons == []
    assert REPORT in (refreshed.text or "")
    assert t("zh", "dept.status.resolved") in (refreshed.text or "")
    assert_no_identity(member, someone)

    # A second press (an old card, two members at once) changes nothing.
    answer, _messages = await member.press(the_card, f"dep:done:{filed.id}", check=False)
    assert answer == t("zh", "dept.already_done")

    answer, _messages = await answer_survey(someone, survey)
    assert answer == t("en", "survey.thanks")
    assert await status_of(bot, filed) == "closed"
    assert_no_identity(member, someone)


async def test_done_is_honoured_only_in_the_department_s_own_chat(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    other = await department_chat(bot, "housing", "区住建局")
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    the_card = department_card(member, filed)

    # Pressed from another department's chat (a forged button there).
    forged = other.emu.press_button(
        other.user, other.messages()[-1], f"dep:done:{filed.id}", check=False, chat=other.chat
    )
    await bot.settle()
    assert bot.emu.callback_answers[forged["id"]].text == t("zh", "dept.not_yours")
    # Pressed in the inspection group's chat.
    group_card = card(inspector, filed)
    answer, _messages = await inspector.press(group_card, f"dep:done:{filed.id}", check=False)
    assert answer == t("zh", "dept.not_here")
    # A forged id.
    answer, _messages = await member.press(the_card, "dep:done:99999", check=False)
    assert answer == t("zh", "dept.stale")
    assert await status_of(bot, filed) == "handed_off"


async def test_a_hand_off_passed_on_tells_the_first_department(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    water = await department_chat(bot)
    housing = await department_chat(bot, "housing", "区住房和城乡建设局")
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    first = department_card(water, filed)
    await hand_off(inspector, filed, "区住房和城乡建设局")
    assert department_card(housing, filed).buttons == [
        (t("zh", "dept.button.sign"), f"dep:sign:{filed.id}"),
        (t("zh", "dept.button.ret"), f"dep:ret:{filed.id}"),
    ]
    assert first.buttons == [], "the old card's button went with the edit"
    told = water.messages()[-1]
    assert told.text == t(
        "zh", "notice.handed_elsewhere", number=filed.number, department="区住房和城乡建设局"
    )
    assert told.reply_to_message_id == first.message_id
    # The old card's button, pressed before it went, reports nothing.
    answer, _messages = await water.press(first, f"dep:done:{filed.id}", check=False)
    assert answer == t("zh", "dept.not_yours")
    assert await status_of(bot, filed) == "handed_off"


async def test_a_report_too_long_is_asked_again(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    the_card = await signed(member, filed)
    _answer, messages = await member.press(the_card, f"dep:done:{filed.id}")
    messages = await member.reply(messages[-1], "长" * 2001)
    assert t("zh", "dept.too_long", max=2000) in texts(messages)
    assert await status_of(bot, filed) == "handed_off"
    again = messages[-1]
    assert again.reply_markup and again.reply_markup.get("force_reply")
    messages = await member.reply(again, "已修复")
    assert t("zh", "dept.reported", number=filed.number) in texts(messages)
    assert await status_of(bot, filed) == "resolved"


async def test_a_card_that_moved_on(bot: BotHarness) -> None:
    """The group resolved it itself: the department's press or report changes nothing."""
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    filed = await file(bot, person(bot, "张"))
    await hand_off(inspector, filed)
    stale = await signed(member, filed)
    _answer, messages = await member.press(stale, f"dep:done:{filed.id}")
    prompt = messages[-1]
    await prompted(inspector, filed, "res", "巡察组已协调解决")
    assert await status_of(bot, filed) == "resolved"
    messages = await member.reply(prompt, "已修复")
    assert texts(messages) == t("zh", "dept.already_done")
    answer, _messages = await member.press(stale, f"dep:done:{filed.id}", check=False)
    assert answer == t("zh", "dept.already_done")
    assert await status_of(bot, filed) == "resolved"


async def test_a_reply_to_an_older_done_prompt_reports_nothing(bot: BotHarness) -> None:
    """Two "done" prompts in a row: the reply to the first does not report the second."""
    inspector = await group_chat(bot)
    member = await department_chat(bot)
    first = await file_named(bot, person(bot, "张"))
    second = await file_named(bot, person(bot, "李"))
    for filed in (first, second):
        await hand_off(inspector, filed)
        await signed(member, filed)
    _, messages = await member.press(department_card(member, first), f"dep:done:{first.id}")
    older = messages[-1]
    _, messages = await member.press(department_card(member, second), f"dep:done:{second.id}")
    newer = messages[-1]
    answer = texts(await member.reply(older, REPORT))
    assert t("zh", "dept.prompt_replaced") in answer
    assert await status_of(bot, second) == "handed_off"
    assert await status_of(bot, first) == "handed_off"
    # The open question still takes its answer.
    messages = await member.reply(newer, REPORT)
    assert t("zh", "dept.reported", number=second.number) in texts(messages)
    assert await status_of(bot, second) == "resolved"
