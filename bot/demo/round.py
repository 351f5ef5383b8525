"""The demo round (郏县, after the seed article): its dates, its roster and its people's words."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

DEMO_TOKEN = "100200300:DEMO-TOKEN"
ZONE = ZoneInfo("Asia/Shanghai")
WELL = (33.8483, 113.1245)
# The villager's words, after the seed article ("俺村机井水压低，浇地时间长还费钱").
SETTLE_SECONDS = 120
# The demo round's length: two weeks, compressed into a few scheduled moments.
ROUND_DAYS = 14
COMPLAINT = (
    "俺村东头的机井水压低，浇地时间长还费钱。两亩地要浇一整天，已经一个多月了，你们管不管？"
)
# A neighbour tells the same well (and joins), then two other villages tell theirs (a hot spot).
SAME_WELL = "俺家地头那眼机井也是水压低，浇地费时又费钱，一个多月了"
OTHER_WELLS = (
    ("houxiewan", "后谢湾村西头的机井水压低，浇地时间长还费电钱，一个月了没人管"),
    ("yulintou", "雨霖头村的机井水压也低，浇一亩地要大半天，费钱"),
)
CANAL = "俺村的灌溉渠堵了半年，水过不来，麦子浇不上，找村里说了几次都没人管。"
CLUE = "村里修机井的钱，村干部报了两次账，群众都没见到第二眼井。"
REPORT = "已排查地埋管漏水点 3 处并修复，更换不配套水泵 1 台，井口出水压力恢复正常。"


def demo_round_code() -> str:
    """The demo round's code (it carries the current year)."""
    return f"JX{demo_start().year}-1"


@cache
def demo_start() -> date:
    """The first day of the demo round: a Monday three weeks ago (fixed for the process, so
    a demo running over midnight keeps its dates).

    The round is over by today: the bot's clock replays it (see run_demo) and is never ahead of
    the real one, which the outbox sender goes by.
    """
    today = datetime.now(ZONE).date()
    return today - timedelta(days=today.weekday() + 21)


def demo_roster() -> str:
    """The demo round (郏县, after the seed article): two weeks from demo_start()."""
    start = demo_start()
    template = files("bot.demo").joinpath("roster.yaml").read_text(encoding="utf-8")
    return template.format(
        year=start.year,
        starts_on=start.isoformat(),
        ends_on=(start + timedelta(days=ROUND_DAYS - 1)).isoformat(),
    )


def on_day(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time on the demo round's day `day` (0 is its first day)."""
    return datetime.combine(demo_start() + timedelta(days=day), time(hour, minute), ZONE)
