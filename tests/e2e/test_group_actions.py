"""Every action from a real card in the group chat, through the emulator."""

from __future__ import annotations

from tests.helpers.group_flow import (
    button,
    complaint,
    events,
    file,
    labels,
    linked_chat,
    new_chat,
    prompt_in,
)
from tests.helpers.groups import issue_code, shows
from tests.helpers.harness import BotHarness
from tests.helpers.resident import answer_survey, texts, with_buttons

XIAODIAN = (33.742, 113.351)


async def test_a_new_card_then_accept_edits_it_in_place_and_tells_the_resident(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    resident, number = await file(
        bot, photos=2, voice=True, location=XIAODIAN, anonymous=False, first_name="张"
    )
    card = group.card(number)
    text = card.text or ""
    for expected in (number, "待受理", "小店村 (东高皇街道)", "饮水灌溉", "2023-03-14 10:00"):
        assert expected in text, expected
    assert "反映人：张" in text
    assert labels(card) == [
        "受理",
        "认领",
        "立行立改",
        "现场交办",
        "移交线索",
        "不予受理",
        "合并",
        "追问",
        "备注",
        "指派",
        "🚫 屏蔽",
    ]
    # The location, the photos and the voice follow as replies under the card.
    replies = [m for m in group.messages() if m.reply_to_message_id == card.message_id]
    assert {m.kind for m in replies} == {"location", "photo", "voice"}
    assert len([m for m in replies if m.kind == "photo"]) == 2

    resident.new_messages()
    group.new_messages()
    answer, messages = await group.press(card, "受理")
    assert answer == f"已受理 {number}"
    assert messages == [], "the card is edited, not sent again"
    card = group.message(card.message_id)
    assert "【已受理】" in (card.text or "") and card.edits >= 1
    assert "受理" not in labels(card) and "办结" in labels(card)
    assert "已受理" in texts(resident.new_messages())
    found = await events(bot, number)
    assert [e.action for e in found] == ["filed", "accepted"]
    assert found[-1].actor == "inspector" and found[-1].actor_name == "王组长"


async def test_take_shows_who_is_on_it(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    colleague = group.colleague("李四")
    _resident, number = await file(bot)
    answer, _ = await colleague.press(group.card(number), "认领")
    assert answer == f"已认领 {number}，由你跟进"
    assert "认领人：李四" in (group.card(number).text or "")
    answer, _ = await colleague.press(group.card(number), "认领")
    assert answer == "你已经认领了这件反映。"
    answer, _ = await group.press(group.card(number), "认领")
    assert "认领人：王组长" in (group.card(number).text or "")


async def test_immediate_fix_with_the_category_default_due_date(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot)
    card = group.card(number)
    answer, messages = await group.press(card, "立行立改")
    assert answer == "请选择期限"
    choice = with_buttons(messages)
    assert choice.reply_to_message_id == card.message_id
    assert labels(choice) == ["按类别默认：7天", "1天", "3天", "15天", "取消"]
    resident.new_messages()
    default = button(choice, "按类别默认：7天")
    answer, messages = await group.press(choice, default)
    assert answer == f"✅ {number} 立行立改，期限 2023-03-21。"
    assert group.message(choice.message_id).buttons == []
    text = group.card(number).text or ""
    assert "【立行立改】" in text and "办理期限：2023-03-21" in text
    assert labels(group.card(number)) == ["办结", "现场交办", "追问", "备注", "指派", "🚫 屏蔽"]
    assert "2023-03-21" in texts(resident.new_messages())
    # The choice, pressed again (a stale message), changes nothing.
    answer, _ = await group.press(choice, default, check=False)
    assert answer == "已经处理过了：现在是「立行立改」。"


async def test_hand_off_to_a_department_and_its_report_resolves_it(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    department = await linked_chat(bot, "department", "water", "区水利局工作群", "孙局长")
    resident, number = await file(bot, anonymous=False, first_name="张", username="zhang_s")
    answer, _ = await group.press(group.card(number), "受理")
    answer, messages = await group.press(group.card(number), "现场交办")
    assert answer == "请选择单位"
    choice = with_buttons(messages)
    assert labels(choice) == ["区水利局", "区住房和城乡建设局", "东高皇街道党工委", "取消"]
    answer, messages = await group.press(choice, "区水利局")
    assert messages == [] and answer == "请选择期限"
    choice = group.message(choice.message_id)
    assert "交办 区水利局" in (choice.text or "")
    resident.new_messages()
    answer, _ = await group.press(choice, "3天")
    assert answer == f"✅ {number} 已交办 区水利局，期限 2023-03-17。"
    text = group.card(number).text or ""
    assert "【现场交办】" in text and "交办单位：区水利局" in text and "2023-03-17" in text
    assert "区水利局" in texts(resident.new_messages())

    # The department's card: no identity, a "done" button.
    dept_card = with_buttons(department.new_messages())
    assert number in (dept_card.text or "") and "张" not in (dept_card.text or "")
    complaint_id = (await complaint(bot, number)).id
    answer, _messages = await department.press(dept_card, f"dep:sign:{complaint_id}")
    assert answer == f"已签收 {number}。"
    assert "已签收 · 2023-03-14 10:00" in (group.card(number).text or "")
    answer, messages = await department.press(dept_card, f"dep:done:{complaint_id}")
    prompt = prompt_in(messages)
    messages = await department.reply(prompt, "已更换水泵 <新> & *完毕*")
    assert messages
    # The group hears it as a reply to the card; the card shows it resolved.
    notice = [m for m in group.new_messages() if "报告已办结" in (m.text or "")]
    assert notice and notice[0].reply_to_message_id == group.card(number).message_id
    assert "已更换水泵 <新> & *完毕*" in (notice[0].text or "")
    assert "【已办结】" in (group.card(number).text or "")


async def test_a_sensitive_complaint_is_transferred_and_nothing_else_is_told(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    discipline = await linked_chat(bot, "department", "discipline", "纪委", "吴")
    resident, number = await file(bot, category="违纪违法问题线索")
    card = group.card(number)
    assert "现场交办" not in labels(card) and "移交线索" in labels(card)
    assert "敏感" in (card.text or "")
    # A forged hand-off of a sensitive complaint is refused by the workflow.
    complaint_id = (await complaint(bot, number)).id
    forged = f"cmp:due:{complaint_id}:n:h:1:3"
    answer, _ = await group.press(card, forged, check=False)
    assert answer == "当前状态下不能这样操作。"

    answer, messages = await group.press(card, "移交线索")
    choice = with_buttons(messages)
    assert labels(choice) == ["区纪委监委", "取消"]
    resident.new_messages()
    discipline.new_messages()
    answer, messages = await group.press(choice, "区纪委监委")
    assert answer == f"✅ {number} 已移交 区纪委监委。"
    assert "已移交" in (group.message(choice.message_id).text or "")
    card = group.card(number)
    assert "【已移交】" in (card.text or "") and labels(card) == ["关闭", "备注", "🚫 屏蔽"]
    told = texts(resident.new_messages())
    assert told and "区纪委监委" not in told
    # The commission's chat gets the confidential card, and nothing says who reported it.
    (clue_card,) = [m for m in discipline.new_messages() if m.buttons]
    assert (clue_card.text or "").startswith(f"🔒 问题线索 {number}（机密）")
    assert labels(clue_card) == ["✍️ 签收"]
    assert "张" not in (clue_card.text or "")

    answer, _ = await group.press(card, "关闭")
    assert answer == f"已关闭 {number}"
    assert "【已关闭】" in (group.card(number).text or "")


async def test_reject_with_a_reason_then_reconsider(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot)
    card = group.card(number)
    answer, messages = await group.press(card, "不予受理")
    assert answer == "请回复机器人的提示消息"
    prompt = prompt_in(messages)
    assert prompt.reply_to_message_id == card.message_id
    assert number in (prompt.text or "") and "王组长" in (prompt.text or "")
    assert prompt.reply_markup == {
        "force_reply": True,
        "selective": True,
        "input_field_placeholder": "不予受理的理由",
    }
    resident.new_messages()
    reason = "属于<民事纠纷> & 请走*法院*_诉讼_"
    messages = await group.reply(prompt, reason)
    assert f"✅ {number} 不予受理" in texts(messages)
    assert "【不予受理】" in (group.card(number).text or "")
    assert labels(group.card(number)) == ["重新受理", "备注", "🚫 屏蔽"]
    told = texts(resident.new_messages())
    assert reason in told and "0375-0000000" in told

    # A second reply without a prompt is just chat: no answer.
    assert await group.reply(prompt, "再说一句") == []

    answer, _ = await group.press(group.card(number), "重新受理")
    assert answer == f"已重新受理 {number}"
    assert "【已受理】" in (group.card(number).text or "")


async def test_an_empty_or_photo_reply_is_refused_and_asked_again(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _resident, number = await file(bot)
    _answer, messages = await group.press(group.card(number), "不予受理")
    prompt = prompt_in(messages)
    messages = await group.reply_photo(prompt, "照片不行")
    again = prompt_in(messages)
    assert "只需要文字" in (again.text or "")
    messages = await group.reply(again, "   ")
    assert "不能为空" in texts(messages)
    messages = await group.reply(prompt_in(messages), "超出巡察范围")
    assert "不予受理" in texts(messages)
    assert (await complaint(bot, number)).status == "rejected"


async def test_merge_into_an_earlier_complaint(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    first_resident, first = await file(bot, first_name="甲")
    second_resident, second = await file(bot, first_name="乙")
    _answer, messages = await group.press(group.card(second), "合并")
    prompt = prompt_in(messages)
    messages = await group.reply(prompt, "WD2023-1-9999")
    assert "没有这个编号" in texts(messages)
    messages = await group.reply(prompt_in(messages), second)
    assert "不能合并到它自己" in texts(messages)
    second_resident.new_messages()
    messages = await group.reply(prompt_in(messages), f" {first.lower()} ")
    assert f"✅ {second} 已合并" in texts(messages)
    assert "已合并到 " + first in (group.card(second).text or "")
    assert group.card(second).buttons == []
    assert "2位群众反映同一问题" in (group.card(first).text or "")
    assert first in texts(second_resident.new_messages())

    # The duplicate's resident hears the earlier complaint's later updates.
    first_resident.new_messages()
    await group.press(group.card(first), "受理")
    assert "已受理" in texts(first_resident.new_messages())
    assert "已受理" in texts(second_resident.new_messages())


async def test_ask_the_resident_and_the_answer_comes_back_under_the_card(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot, anonymous=True, first_name="神秘", username="secret_one")
    _answer, messages = await group.press(group.card(number), "追问")
    resident.new_messages()
    messages = await group.reply(prompt_in(messages), "具体是哪一口井？<编号> & *位置*")
    assert "已把追问发给" in texts(messages)
    question = with_buttons(resident.new_messages())
    assert "具体是哪一口井？<编号> & *位置*" in (question.text or "") and number in (
        question.text or ""
    )
    _answer, _ = await resident.press(question, question.buttons[0][1] or "")
    await resident.say("村东头第二口井 <旁边> & _小路_")
    notice = [m for m in group.new_messages() if "回复了追问" in (m.text or "")]
    assert notice, "the answer reaches the group"
    assert notice[0].reply_to_message_id == group.card(number).message_id
    assert "村东头第二口井 <旁边> & _小路_" in (notice[0].text or "")
    assert "具体是哪一口井？<编号> & *位置*" in (notice[0].text or "")
    assert "神秘" not in (notice[0].text or "") and "secret_one" not in (notice[0].text or "")


async def test_resolve_with_a_photo_then_the_survey(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot)
    await group.press(group.card(number), "受理")
    _answer, messages = await group.press(group.card(number), "办结")
    prompt = prompt_in(messages)
    resident.new_messages()
    messages = await group.reply_photo(prompt, "已修好机井 & 水压正常")
    assert f"✅ {number} 已办结" in texts(messages)
    card = group.card(number)
    text = card.text or ""
    assert "【已办结】" in text and "办理结果：已修好机井 & 水压正常" in text
    assert labels(card) == ["备注", "🚫 屏蔽"]
    told = resident.new_messages()
    # The resident gets the very photo the inspector sent, the result as its caption.
    (sent,) = [m for m in bot.emu.messages(group.chat) if m.kind == "photo" and not m.from_bot]
    (shown,) = [m for m in told if m.kind == "photo"]
    assert shown["photo"][-1]["file_unique_id"] == sent["photo"][-1]["file_unique_id"]
    assert "已修好机井 & 水压正常" in (shown.text or "") and number in (shown.text or "")
    survey = with_buttons(told)

    # Not solved: reopened (accepted) and the group is alerted under the card.
    group.new_messages()
    await resident.press(survey, survey.buttons[-1][1] or "")
    alert = [m for m in group.new_messages() if "未解决" in (m.text or "")]
    assert alert and alert[0].reply_to_message_id == group.card(number).message_id
    assert "【已受理】" in (group.card(number).text or "")

    _answer, messages = await group.press(group.card(number), "办结")
    await group.reply(prompt_in(messages), "重新检修完毕")
    survey = with_buttons(resident.new_messages())
    await answer_survey(resident, survey)
    card = group.card(number)
    assert "【已关闭】" in (card.text or "") and "群众评价：满意" in (card.text or "")


async def test_an_internal_note_is_never_sent_to_the_resident(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot)
    resident.new_messages()
    _answer, messages = await group.press(group.card(number), "备注")
    messages = await group.reply(prompt_in(messages), "内部：村支书说 <下周> & *再议*")
    assert "内部备注" in texts(messages)
    assert resident.new_messages() == []
    note = (await events(bot, number))[-1]
    assert note.action == "note" and not note.public
    assert note.note == "内部：村支书说 <下周> & *再议*"


async def test_only_the_inspector_who_pressed_answers_the_prompt(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    colleague = group.colleague("李四")
    _resident, number = await file(bot)
    _answer, messages = await group.press(group.card(number), "不予受理")
    prompt = prompt_in(messages)
    colleague.new_messages()
    assert await colleague.reply(prompt, "我来写理由") == []
    assert (await complaint(bot, number)).status == "new"
    await group.reply(prompt, "重复反映")
    assert (await complaint(bot, number)).status == "rejected"


async def test_a_press_from_another_group_chat_changes_nothing(bot: BotHarness) -> None:
    g3 = await linked_chat(bot)
    g5 = await linked_chat(bot, "group", "g5", "第五巡察组工作群", "钱")
    _resident, number = await file(bot)
    complaint_id = (await complaint(bot, number)).id
    # A message in the other chat with the same button (forwarded cards keep no buttons:
    # the data is sent as it would be by a forged client).
    some = (await g5.say("/help"))[0]
    for data in (
        f"cmp:acc:{complaint_id}:n",
        f"cmp:rej:{complaint_id}:n",
        f"cmp:hof:{complaint_id}:n",
        f"cmp:shw:{complaint_id}",
        f"cmp:due:{complaint_id}:n:i:0:3",
    ):
        answer, messages = await g5.press(some, data, check=False)
        assert answer == "这件反映不归本群办理，操作无效。", data
        assert messages == [], data
    assert (await complaint(bot, number)).status == "new"
    assert number not in texts(g5.messages())
    # The owning chat is untouched too.
    assert "【待受理】" in (g3.card(number).text or "")


async def test_forged_buttons_are_refused(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _resident, number = await file(bot)
    card = group.card(number)
    group.new_messages()
    complaint_id = (await complaint(bot, number)).id
    for data, expected in (
        ("cmp:acc:999999:n", "找不到这件反映。"),
        ("cmp:rej:999999:n", "找不到这件反映。"),
        (f"cmp:xyz:{complaint_id}:n", "这个按钮无效。"),
        (f"cmp:acc:{complaint_id}", "这个按钮无效。"),
        (f"cmp:acc:{complaint_id}:q", "这个按钮无效。"),
        (f"cmp:acc:{complaint_id}:a", "已经处理过了：现在是「待受理」。"),
        (f"cmp:res:{complaint_id}:n", "当前状态下不能这样操作。"),
        (f"cmp:rec:{complaint_id}:n", "当前状态下不能这样操作。"),
        (f"cmp:due:{complaint_id}:n:i:0:999", "这个按钮无效。"),
        (f"cmp:dep:{complaint_id}:n:h:999", "不能选这个单位。"),
        (f"cmp:dep:{complaint_id}:n:t:1", "不能选这个单位。"),
        (f"cmp:cxl:{complaint_id}", "这个按钮无效。"),
    ):
        answer, messages = await group.press(card, data, check=False)
        assert answer == expected, data
        assert messages == [], data
    assert (await complaint(bot, number)).status == "new"
    assert group.message(card.message_id).text == card.text


async def test_two_inspectors_press_accept_at_once(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    colleague = group.colleague("李四")
    _resident, number = await file(bot)
    card = group.card(number)
    data = button(card, "受理")
    # Both presses are queued before the bot handles either.
    first = bot.emu.press_button(group.user, card, data, chat=group.chat)
    second = bot.emu.press_button(colleague.user, card, data, chat=group.chat)
    await bot.settle()
    answers = [bot.emu.callback_answers[q["id"]].text for q in (first, second)]
    assert sorted(answers, key=str) == sorted(
        [f"已受理 {number}", "已经处理过了：现在是「已受理」。"], key=str
    )
    accepted = [e for e in await events(bot, number) if e.action == "accepted"]
    assert len(accepted) == 1


async def test_a_stale_card_is_refused(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _resident, number = await file(bot)
    card = group.card(number)
    # A copy of the card, as /find shows it: it is not refreshed.
    copy = with_buttons(await group.say(f"/find {number}"))
    await group.press(card, "受理")
    for label in ("受理", "不予受理", "立行立改", "认领", "追问"):
        answer, messages = await group.press(copy, label)
        assert answer == "已经处理过了：现在是「已受理」。", label
        assert messages == []
    # A press that raced the card's refresh (the old buttons) is refused the same way.
    old = button(copy, "合并")
    answer, _ = await group.press(group.card(number), old, check=False)
    assert answer == "已经处理过了：现在是「已受理」。"
    assert [e.action for e in await events(bot, number)] == ["filed", "accepted"]


async def test_cancel_a_choice(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _resident, number = await file(bot)
    _answer, messages = await group.press(group.card(number), "现场交办")
    choice = with_buttons(messages)
    answer, _ = await group.press(choice, "取消")
    assert answer == "已取消。"
    assert group.message(choice.message_id).buttons == []
    assert (await complaint(bot, number)).status == "new"


async def test_a_department_chat_cannot_use_group_buttons(bot: BotHarness) -> None:
    await linked_chat(bot)
    department = new_chat(bot, "水利局")
    code = await issue_code(bot, "department", "water")
    await department.say(f"/link {code}")
    _resident, number = await file(bot)
    complaint_id = (await complaint(bot, number)).id
    some = (await department.say("/help"))[0]
    answer, messages = await department.press(some, f"cmp:acc:{complaint_id}:n", check=False)
    assert answer == "这件反映不归本群办理，操作无效。" and messages == []


async def test_a_press_on_a_duplicate_card_marks_it_stale_and_changes_nothing(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    # The first card's answer is lost: the sender sends the card again (at least once).
    bot.emu.inject(method="sendMessage", kind="lost", chat_id=group.chat.id)
    _resident, number = await file(bot)
    cards = [m for m in group.messages() if shows(m, number) and m.buttons]
    assert len(cards) == 2, cards
    old, new = cards
    original = old.text or ""

    answer, _messages = await group.press(old, "受理")
    assert answer == "此卡片已过期，请看最新的卡片。"
    old = group.message(old.message_id)
    assert old.buttons == []
    assert (old.text or "").endswith("此卡片已过期，请看最新的卡片。")
    assert (old.text or "").startswith(original)
    assert (await complaint(bot, number)).status == "new"
    assert [e.action for e in await events(bot, number)] == ["filed"]

    answer, _messages = await group.press(new, "受理")
    assert answer == f"已受理 {number}"
    assert "【已受理】" in (group.message(new.message_id).text or "")
