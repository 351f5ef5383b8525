"""The demo's 督办 scene (issue 10 §2): a hand-off by the 派单目录 that goes overdue, the
group's reminders, and the office's 督办通报."""

from __future__ import annotations

from bot.demo.round import on_day
from bot.demo.transcript import Transcript, name_of
from emulator.models import Chat, User

ROAD = "后谢湾村到镇上的生产路被拉砖的大车压坏了，坑洼积水，下雨天三轮车过不去。"


async def file_road_complaint(t: Transcript, villager: User) -> None:
    """A villager of 后谢湾村 reports the broken farm road (no location, named)."""
    emu, private = t.emu, villager.id
    await t.act(
        name_of(villager),
        private,
        "/start v_houxiewan",
        lambda: emu.send_text(villager, "/start v_houxiewan"),
    )
    await t.press(villager, t.latest(private, "cat:"), "道路交通")
    await t.act(name_of(villager), private, ROAD, lambda: emu.send_text(villager, ROAD))
    await t.press(villager, t.latest(private, "dd:"), "dd:")
    skip = emu.bot_messages(private)[-1].keyboard[-1][-1]
    await t.act(name_of(villager), private, skip, lambda: emu.send_text(villager, skip))
    await t.press(villager, t.latest(private, "id:"), "匿名反映")
    await t.press(villager, t.latest(private, "sm:"), "提交")


async def overdue_hand_off(t: Transcript, group: Chat, leader: User, villager: User) -> None:
    """The road goes to 黄道镇党委 by the 派单目录 (1 day), is not done, and climbs the ladder:
    reminders under the card, then the office's 督办通报 from its 3rd overdue day."""
    await file_road_complaint(t, villager)
    await t.press(leader, t.latest(group.id, "现场交办"), "现场交办")
    await t.press(
        leader,
        t.latest(group.id, "⭐ 黄道镇党委（派单目录默认）"),
        "⭐ 黄道镇党委（派单目录默认）",
    )
    await t.press(leader, t.latest(group.id, "按类别默认：1天"), "按类别默认：1天")
    await t.at(on_day(4, 9), "定时任务：督办（逾期第 1 天）")
    await t.at(on_day(6, 9), "定时任务：督办（逾期第 3 天），巡察办收到督办通报")
