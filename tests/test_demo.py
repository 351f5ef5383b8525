"""`xuncha demo` plays the whole story and a compressed round across every chat."""

from __future__ import annotations

from bot.demo import run_demo


async def test_the_demo_plays_the_round_from_opening_to_final_report() -> None:
    lines: list[str] = []
    await run_demo(lines.append, paced=False)
    transcript = "\n".join(lines)

    def count(text: str) -> int:
        return transcript.count(text)

    # Each scheduled message arrives once, in the chats it is for.
    assert count("今天开始") == 1
    assert count("每日简报（") == 1
    assert count("〔第一巡察组工作群〕机器人 ◂ ⏰ 督办提醒") == 1
    assert count("〔县水利局对接群〕机器人 ◂ ⏰ 督办提醒") == 1
    assert count("〔第一巡察组工作群〕机器人 ◂ 📊 第一巡察组第1周工作周报") == 1
    assert count("〔县委巡察办工作群〕机器人 ◂ 📊 郏县县委") == 1
    assert count("工作周报（截至") == 2
    assert count("〔县委巡察办工作群〕机器人 ◂ 📊 统计") == 1
    assert count("停止受理群众反映") == 1
    assert count("〔第一巡察组工作群〕机器人 ◂ 🏁") == 1
    assert count("〔县委巡察办工作群〕机器人 ◂ 🏁") == 1
    # The story: handed off, resolved, rated, transferred; intake closed after the round.
    assert "感谢您的评价（满意）" in transcript
    assert "已移交 县纪委监委" in transcript
    assert "目前不在巡察受理期内" in transcript
    assert "状态：已关闭" in transcript
    assert "📒 台账：第一巡察组，2 件反映" in transcript
    assert transcript.rstrip().endswith("—— 演示结束 ——")
