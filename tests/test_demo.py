"""`xuncha demo` plays the whole story and a compressed round across every chat."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook

from bot.demo import run_demo
from handlers.ledger_file import LEDGER_SHEET


async def test_the_demo_plays_the_round_from_opening_to_final_report(tmp_path: Path) -> None:
    lines: list[str] = []
    result = await run_demo(tmp_path, lines.append, paced=False)
    transcript = "\n".join(lines)

    def count(text: str) -> int:
        return transcript.count(text)

    # Each scheduled message arrives once, in the chats it is for.
    assert count("今天开始") == 1
    # A day's digest once per group (the scenes' sweeps catch up the days they jump over).
    digests = re.findall(r"◂ 📰 (\S+每日简报（[^）]+）)", transcript)
    assert digests and len(digests) == len(set(digests)), digests
    assert count("〔第一巡察组工作群〕机器人 ◂ ⏰ 督办提醒") == 1
    assert count("〔县水利局对接群〕机器人 ◂ ⏰ 督办提醒") == 1
    assert count("〔第一巡察组工作群〕机器人 ◂ 📊 第一巡察组第1周工作周报") == 1
    assert count("〔县委巡察办工作群〕机器人 ◂ 📊 郏县县委") == 1
    assert count("工作周报（截至") == 3  # the two groups' and the office's
    assert count("〔县委巡察办工作群〕机器人 ◂ 📊 统计") == 1
    assert count("停止受理群众反映") == 2  # the warning, in each group's chat
    assert count("〔第一巡察组工作群〕机器人 ◂ 🏁") == 1
    assert count("〔县委巡察办工作群〕机器人 ◂ 🏁") == 1
    # The story: handed off, resolved, rated, transferred; intake closed after the round.
    assert "感谢您的评价（满意）" in transcript
    assert "已移交 县纪委监委" in transcript
    # A 退回 and the re-dispatch, a 延期 approved (issue 10 §1).
    assert count("〔第一巡察组工作群〕机器人 ◂ ↩️ JX") == 1 and "被县农业农村局退回" in transcript
    assert "您反映的问题正在重新交办" in transcript
    assert "已改交县水利局办理" in transcript
    assert "县水利局申请延期 3 天" in transcript
    assert "办理期限已延长至" in transcript
    assert "目前不在巡察受理期内" in transcript
    assert "状态：已关闭" in transcript
    # 代录 (issue 11 §1): recorded in person, the card names the channel, the villager follows.
    assert "渠道：走访 · 代录：许 组长" in transcript
    assert "您已关注反映" in transcript
    assert "📒 台账：第一巡察组，5 件反映" in transcript
    # 赵大娘 joins the well instead of filing it; the wells of three villages are a hot spot.
    assert "本村已有 1 位群众反映了类似的饮水灌溉问题" in transcript
    assert "已加入关注，不另提交" in transcript
    # The pattern on day 2; the category once a fourth well (recorded in person) joins it.
    assert count("〔县委巡察办工作群〕机器人 ◂ 🔥 热点提示") == 2
    assert "相似问题跨村出现：3 个村/社区 3 件饮水灌溉反映内容相近" in transcript
    # 督办 (issue 10 §2): the road handed off by the 派单目录 goes overdue; the office's
    # 督办通报 comes from its 3rd overdue day, once a day; 超期 from its 7th, in the reports.
    assert "[⭐ 黄道镇党委（派单目录默认）]" in transcript
    assert "交办单位：黄道镇党委（派单目录默认）" in transcript
    assert count("〔县委巡察办工作群〕机器人 ◂ 📢 督办通报") == 3
    assert "黄道镇党委（1 件）" in transcript
    assert "已逾期 9 天 · 超期" in transcript
    # The two final reports and the office's /stats.
    assert count("🔴 超期（逾期 7 天及以上）未办结 1 件") == 3
    # The office's weekly report ranks the groups and the departments by the three rates
    # (the counts depend on every scene; these do not): 第二巡察组 acted on nothing within 24
    # hours (0%); 县农业农村局's return of the well was accepted (left out) and it signed the
    # canal at once: 100% (1/1); 黄道镇党委 never signed the road: last.
    weekly = transcript[transcript.index("〔县委巡察办工作群〕机器人 ◂ 📊 郏县县委") :]
    weekly = weekly[: weekly.index("各组情况")]
    assert weekly.index("1. 第一巡察组：响应率") < weekly.index("2. 第二巡察组：响应率 0%")
    assert "县农业农村局：响应率 100%（1/1）" in weekly
    assert "3. 黄道镇党委：响应率 0%（0/1）" in weekly
    own = transcript[transcript.index("〔第一巡察组工作群〕机器人 ◂ 📊 第一巡察组第1周") :]
    assert "巡察组排名" not in own[: own.index("各村（社区）")]
    # The transcript ends by naming the folder with the chart, the ledger and the log.
    assert "—— 演示结束 ——" in transcript
    assert f"演示产生的文件在 {tmp_path}：" in transcript
    chart, ledger = result.kept
    assert chart == tmp_path / "统计图.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert ledger.name.startswith("台账-") and ledger.suffix == ".xlsx"
    sheet = load_workbook(ledger)[LEDGER_SHEET]
    assert sheet.max_row == 1 + 5  # the header and the five complaints
    # The log went to the file, not into the transcript.
    log = result.log_file.read_text(encoding="utf-8")
    assert "INFO" in log and "INFO" not in transcript
