"""热点提示 through the emulator: the same well in three villages reaches the office's chat and
the groups concerned once, worded for people (issue 11 §3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import jobs
from tests.helpers.group_flow import file, linked_chat
from tests.helpers.harness import SHANGHAI, BotHarness

VILLAGES = (("xiaodian", "小店村"), ("yuejia", "岳家村"), ("youyue", "优越社区"))


async def sweep(bot: BotHarness, moment: datetime) -> list[str]:
    """The job's run at `moment`, everything it queued delivered."""
    bot.clock.set(moment)
    app = bot.runtime.app
    assert app is not None
    sent = await jobs.run_sweeps(app)
    await bot.settle()
    return sent


async def test_the_same_well_in_three_villages_is_told_once(bot: BotHarness) -> None:
    g3 = await linked_chat(bot, "group", "g3", "第三巡察组工作群", "王组长")
    g5 = await linked_chat(bot, "group", "g5", "第五巡察组工作群", "刘组长")
    office = await linked_chat(bot, "office", None, "巡察办工作群", "周主任")
    for code, name in VILLAGES:
        await file(bot, start=f"/start v_{code}", description=f"{name}的机井坏了两个月，浇不上地")
    for chat in (g3, g5, office):
        chat.new_messages()

    # The next morning at 08:45 on the round's clock.
    morning = datetime(2023, 3, 15, 8, 45, tzinfo=SHANGHAI)
    sent = await sweep(bot, morning)
    assert [key.split(":")[2] for key in sent if key.startswith("hotspot:")] == ["text"]
    (told,) = [m.text or "" for m in office.new_messages() if "相似问题跨村出现" in (m.text or "")]
    assert "🔥 热点提示（近 7 天）" in told
    assert "3 个村/社区 3 件饮水灌溉反映内容相近：小店村、岳家村、优越社区" in told
    assert "机井坏了两个月" in told and "WD2023-1-0001" in told
    assert any("相似问题跨村出现" in (m.text or "") for m in g3.new_messages())
    assert any("相似问题跨村出现" in (m.text or "") for m in g5.new_messages())

    # Later that day and the next morning: the same hot spots are not told again.
    await sweep(bot, morning + timedelta(hours=3))
    await sweep(bot, morning + timedelta(days=1))
    for chat in (g3, g5, office):
        assert not any("热点提示" in (m.text or "") for m in chat.new_messages())
