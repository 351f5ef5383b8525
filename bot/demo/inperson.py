"""The demo's scene of a complaint heard in person (代录, issue 11 §1): on a visit the group's
leader hears of another broken well, records it in his private chat with the bot, and hands
the villager a one-time follow link, which she opens."""

from __future__ import annotations

import re

from bot.demo.round import WELL
from bot.demo.transcript import Transcript, name_of
from emulator.models import Chat, User

HEARD = "你们是县里来的干部，俺家地头那眼机井用不成了，抽不上水，你们管不管？"
FOLLOW = re.compile(r"start=(f_[A-Za-z0-9_-]+)")


async def record_in_person(t: Transcript, leader: User, group: Chat, granny: User) -> None:
    """/record in the group's chat, the questions in private, the follow link opened."""
    emu = t.emu
    private = leader.id
    t.name_chat(private, f"{name_of(leader)} 私聊")
    await t.act(
        name_of(leader), group.id, "/record", lambda: emu.send_text(leader, "/record", chat=group)
    )
    say = lambda text: lambda: emu.send_text(leader, text)  # noqa: E731
    await t.act(name_of(leader), private, "/start rec", say("/start rec"))
    await t.act(
        name_of(leader), private, "[位置：前谢湾村地头]", lambda: emu.send_location(leader, *WELL)
    )
    await t.press(leader, t.latest(private, "vc:"), "vc:")
    await t.press(leader, t.latest(private, "cat:"), "饮水灌溉")
    await t.act(name_of(leader), private, HEARD, say(HEARD))
    await t.press(leader, t.latest(private, "dd:"), "dd:")
    skip = emu.bot_messages(private)[-1].keyboard[-1][-1]
    await t.act(name_of(leader), private, skip, say(skip))
    await t.press(leader, t.latest(private, "ch:"), "走访")
    await t.press(leader, t.latest(private, "id:"), "登记姓名和电话")
    await t.act(name_of(leader), private, "孙大娘", say("孙大娘"))
    await t.act(name_of(leader), private, skip, say(skip))
    await t.press(leader, t.latest(private, "sm:"), "提交")
    shown = await t.press(leader, t.latest(private, "fl:"), "fl:")
    found = next((FOLLOW.search(m.text or "") for m in shown if FOLLOW.search(m.text or "")), None)
    if found is None:
        raise RuntimeError("no follow link in the bot's answer")
    t.name_chat(granny.id, f"{name_of(granny)} 私聊")
    await t.act(
        name_of(granny),
        granny.id,
        "[扫描关注二维码]",
        lambda: emu.send_text(granny, f"/start {found[1]}"),
    )
