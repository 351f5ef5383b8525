"""Hot spots (热点提示): clusters across villages, told once per cluster to the office and the
groups concerned, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from handlers.ledger_file import HOTSPOT_SHEET, write_ledger
from handlers.notice_texts import report_text
from storage.db import Database
from storage.ledger import LedgerRow, ledger_summary
from storage.models import OutboxMessage, Round, SentNotice
from storage.schedule import round_report
from storage.schedule.hotspots import sweep_hotspots
from storage.similar.hotspots import Member, find_clusters
from tests.helpers.factories import (
    G3_CHAT,
    G5_CHAT,
    NOW,
    OFFICE_CHAT,
    SHANGHAI,
    World,
    example_world,
    file,
)

WELL = "{village}的机井坏了两个月，浇不上地"
# The next morning after NOW (2023-03-14 10:00), after 08:45 in Shanghai.
MORNING = datetime(2023, 3, 15, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
async def world(database: Database) -> World:
    """The example round, g3, g5 and the office linked."""
    found = await example_world(database)
    async with database.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
        round_.office_chat_id = OFFICE_CHAT
    return found


async def the_same_well_in_three_villages(world: World, start: int = 2000) -> None:
    """One well problem told in 小店村, 岳家村 and 优越社区."""
    for n, (village, name) in enumerate(
        [("xiaodian", "小店村"), ("yuejia", "岳家村"), ("youyue", "优越社区")]
    ):
        await file(
            world.database,
            start + n,
            village=village,
            description=WELL.format(village=name),
            now=NOW + timedelta(minutes=n),
        )


async def hotspot_rows(database: Database) -> list[OutboxMessage]:
    """The hot-spot notices written so far."""
    async with database.transaction() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    return [r for r in rows if (r.payload or {}).get("notice") == "hotspot"]


async def sweep(database: Database, now: datetime) -> list[str]:
    """Run the hot-spot sweep: the keys it told."""
    async with database.transaction() as session:
        return (await sweep_hotspots(session=session, now=now)).sent


async def test_a_cluster_is_told_once_to_the_office_and_the_groups(world: World) -> None:
    await the_same_well_in_three_villages(world)
    # Before 08:45 nothing; then the category and the pattern, each once.
    assert await sweep(world.database, MORNING.replace(hour=8)) == []
    told = await sweep(world.database, MORNING)
    # The category's cluster is exactly the pattern's: only the pattern is told.
    assert [k.split(":")[2] for k in told] == ["text"]
    rows = await hotspot_rows(world.database)
    assert sorted({r.chat_id for r in rows}) == sorted({G3_CHAT, G5_CHAT, OFFICE_CHAT})
    (text,) = [r for r in rows if r.chat_id == OFFICE_CHAT and r.payload["kind"] == "text"]
    assert text.payload["village_count"] == 3 and text.payload["count"] == 3
    assert any("机井" in p for p in text.payload["phrases"])
    assert text.payload["villages"] == ["小店村", "岳家村", "优越社区"]
    # Again the same day, the next day (still going): nothing more.
    assert await sweep(world.database, MORNING + timedelta(hours=1)) == []
    assert await sweep(world.database, MORNING + timedelta(days=1)) == []
    assert len(await hotspot_rows(world.database)) == len(rows)


async def test_five_from_one_village_and_sensitive_ones_left_out(world: World) -> None:
    for n, text in enumerate(["路灯不亮", "垃圾没人清", "路面坑洼", "补贴没发", "电压太低"]):
        await file(world.database, 3000 + n, description=text, now=NOW + timedelta(minutes=n))
    for n, village in enumerate(["xiaodian", "yuejia", "youyue"]):
        await file(
            world.database,
            3100 + n,
            village=village,
            category="conduct",
            description="村干部办事推三阻四",
            now=NOW + timedelta(minutes=n),
        )
    told = await sweep(world.database, MORNING)
    assert [k.split(":")[2] for k in told] == ["village"]
    async with world.database.transaction() as session:
        keys = (await session.exec(select(SentNotice.key))).all()
    assert not any("conduct" in key for key in keys)
    rows = await hotspot_rows(world.database)
    assert all("conduct" not in str(r.payload) for r in rows)


def test_ten_wells_make_one_pattern_and_other_problems_none() -> None:
    villages = range(10)
    members = [
        Member(n, f"N{n}", v, 1, "water", f"{v}号村的机井坏了，浇不上地")
        for n, v in enumerate(villages)
    ]
    members += [Member(100 + n, f"M{n}", n, 1, "road", t) for n, t in enumerate(["路灯", "坑洼"])]
    clusters = find_clusters(members)
    (pattern,) = [c for c in clusters if c.kind == "text"]
    assert len(pattern.members) == 10 and len(pattern.village_ids) == 10
    # Water in ten villages is exactly the pattern: no category cluster besides it.
    assert [c.kind for c in clusters if c.kind != "text"] == []


async def test_the_reports_and_the_ledger_list_the_hot_spots(world: World, tmp_path: Path) -> None:
    await the_same_well_in_three_villages(world)
    await sweep(world.database, MORNING)
    g5 = world.groups["g5"].id
    async with world.database.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
        final = await round_report(
            session=session,
            round_=round_,
            group_id=None,
            since=None,
            until=MORNING + timedelta(hours=1),
        )
        of_g5 = await round_report(
            session=session,
            round_=round_,
            group_id=g5,
            since=None,
            until=MORNING + timedelta(hours=1),
        )
        summary = await ledger_summary(session=session, round_id=world.round_id)
    assert final["hotspot_count"] == 1 and of_g5["hotspot_count"] == 1
    assert [h["kind"] for h in final["hotspots"]] == ["text"]
    text = report_text({**final, "notice": "final", "round": "卫东区委2023年第一轮巡察"}, "zh")
    assert "🔥 本轮热点 1 个：" in text
    assert "· 相似问题跨村出现：3 个村/社区 3 件饮水灌溉反映内容相近" in text

    path = tmp_path / "ledger.xlsx"
    await write_ledger(path, _no_rows(), summary)
    sheet = load_workbook(path)[HOTSPOT_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("发现日期", "类型", "类别")
    assert [r[1] for r in rows[1:]] == ["相似问题跨村"]
    assert rows[1][5] == "小店村、岳家村、优越社区" and "机井坏了两个月" in (rows[1][6] or "")


async def _no_rows() -> AsyncIterator[LedgerRow]:
    """No complaint rows (the 热点 sheet is what is looked at)."""
    rows: list[LedgerRow] = []
    for row in rows:
        yield row
