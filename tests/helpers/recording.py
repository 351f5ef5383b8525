"""代录 in e2e tests (issue 11 §1): an inspector records a complaint told in person, from
/record in the group's chat through the questions in their private chat, and hands the
resident a follow link."""

from __future__ import annotations

import re

from emulator.models import StoredMessage
from tests.helpers.groups import Inspector
from tests.helpers.resident import Person, texts, with_buttons

NUMBER = re.compile(r"WD2023-1-\d{4}")
FOLLOW = re.compile(r"start=f_([A-Za-z0-9_-]+)")


async def record(
    inspector: Inspector,
    *,
    channel: str = "走访",
    name: str | None = "赵大妈",
    phone: str | None = "138 0000 1111",
    description: str = "俺村的机井用不成了，浇不了地，你们管不管？",
) -> tuple[Person, str, list[StoredMessage]]:
    """/record in the chat, then every question in private: the inspector (as a private-chat
    person), the number, and the receipt's messages."""
    answer = await inspector.say("/record")
    assert "到私聊中登记" in str([m.buttons for m in answer]), answer
    private = Person(inspector.harness, inspector.user)
    messages = await private.say("/start rec")
    assert "登记群众反映（代录）" in texts(messages), texts(messages)
    messages = await private.location(33.742, 113.351)
    _answer, messages = await private.press(with_buttons(messages), "是的")
    _answer, messages = await private.press(with_buttons(messages), "饮水灌溉")
    messages = await private.say(description)
    messages = await private.photo()
    _answer, messages = await private.press(with_buttons(messages), "完成")
    messages = await private.say("跳过")
    assert "什么渠道" in texts(messages)
    _answer, messages = await private.press(with_buttons(messages), channel)
    assert "是否留下姓名" in texts(messages)
    if name is None:
        _answer, messages = await private.press(with_buttons(messages), "匿名登记")
    else:
        _answer, messages = await private.press(with_buttons(messages), "登记姓名和电话")
        messages = await private.say(name)
        messages = await private.say(phone if phone is not None else "跳过")
    summary = with_buttons(messages)
    assert f"渠道：{channel}（代录）" in (summary.text or ""), summary.text
    _answer, messages = await private.press(summary, "提交")
    found = NUMBER.search(texts(messages))
    assert found is not None and "已登记" in texts(messages), texts(messages)
    return private, found[0], messages


async def follow_link(
    private: Person, receipt: list[StoredMessage]
) -> tuple[str, list[StoredMessage]]:
    """Press 生成关注链接 under the receipt: the token and what the inspector got."""
    _answer, messages = await private.press(with_buttons(receipt), "🔗 生成关注链接")
    found = FOLLOW.search(texts(messages))
    assert found is not None, texts(messages)
    return found[1], messages
