"""The ledger (台账): rows and counts as the database has them, and identity only where allowed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col

from storage import ledger
from storage.db import Database
from storage.ledger import LedgerRow
from storage.ledger import rows as ledger_rows_module
from storage.models import Complaint
from tests.helpers.factories import World, example_world
from tests.helpers.ledger_round import Played, expected_rows, play_round

NAME = "张 三"  # first and last name, as the resident gave them
PHONE = "+8613800000000"


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


@pytest.fixture
async def played(world: World) -> Played:
    return await play_round(world)


async def rows_of(
    world: World, *, shareable: bool, group_id: int | None = None
) -> list[LedgerRow]:
    async with world.database.transaction() as session:
        return [
            row
            async for row in ledger.ledger_rows(
                session=session, round_id=world.round_id, shareable=shareable, group_id=group_id
            )
        ]


async def test_rows_match_the_database(world: World, played: Played) -> None:
    rows = await rows_of(world, shareable=False)
    assert [row.values() for row in rows] == await expected_rows(world, shareable=False)
    by_number = {row.number: row for row in rows}
    # One row per complaint, in number order.
    assert len(rows) == len(played.numbers)
    assert [row.number for row in rows] == sorted(played.numbers.values())
    for key, number in played.numbers.items():
        assert by_number[number].handling == played.handling[key], key
    closed = by_number[played.numbers["handed_off_closed"]]
    assert (closed.status, closed.department, closed.satisfaction) == (
        "已关闭",
        "区水利局",
        "满意",
    )
    assert closed.resolution == "水利局已更换水泵。"
    assert closed.resolution_state == "已解决"
    assert closed.filed_at.utcoffset() is not None
    assert str(closed.filed_at.tzinfo) == "Asia/Shanghai"
    assert closed.resolved_at is not None and str(closed.resolved_at.tzinfo) == "Asia/Shanghai"
    assert closed.identity == f"{NAME} / {PHONE}"
    assert closed.anonymous == "否"
    assert by_number[played.numbers["reopened"]].identity == NAME  # named, no phone
    # Reopened (不满意): being handled again, so no 办结时间, 办理结果 or 满意度 of the earlier
    # resolution in the ledger; the timeline keeps them.
    reopened = by_number[played.numbers["reopened"]]
    assert (reopened.status, reopened.resolved_at, reopened.resolution) == ("已受理", None, "")
    assert reopened.satisfaction == ""
    # The location as shared, and the number a merged complaint joined.
    assert closed.location == "33.74210, 113.35120"
    merged = by_number[played.numbers["merged"]]
    assert merged.merged_into in played.numbers.values() and merged.merged_into != merged.number
    assert by_number[played.numbers["transferred"]].status == "已移交"
    assert by_number[played.numbers["transferred"]].category == "违纪违法问题线索"
    assert by_number[played.numbers["merged"]].status == "已合并"


async def test_rows_stream_in_pages(
    world: World, played: Played, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages smaller than the round give the same rows, in the same order."""
    whole = await rows_of(world, shareable=False)
    monkeypatch.setattr(ledger_rows_module, "PAGE_SIZE", 3)
    assert await rows_of(world, shareable=False) == whole


async def test_anonymous_rows_never_carry_identity(world: World, played: Played) -> None:
    # Even if an anonymous complaint's row held a name and phone, the ledger leaves them out.
    async with world.database.transaction() as session:
        await session.exec(
            update(Complaint)
            .where(col(Complaint.anonymous))
            .values(reporter_name="不该出现", reporter_phone="+8613900000000")
        )
    rows = await rows_of(world, shareable=False)
    anonymous = [row for row in rows if row.anonymous == "是"]
    assert len(anonymous) == 3
    for row in anonymous:
        assert row.identity == ""
        assert not any("不该出现" in str(v) or "13900000000" in str(v) for v in row.values())
    named = [row for row in rows if row.anonymous == "否"]
    assert named and all(row.identity.startswith(NAME) for row in named)


async def test_shareable_leaves_identity_out_of_every_row(world: World, played: Played) -> None:
    rows = await rows_of(world, shareable=True)
    assert [row.values() for row in rows] == await expected_rows(world, shareable=True)
    assert len(rows) == len(played.numbers)
    for row in rows:
        assert row.identity == ""
        assert not any(NAME in str(v) or PHONE in str(v) for v in row.values()), row


async def test_shareable_withholds_the_words_of_a_sensitive_complaint(
    world: World, played: Played
) -> None:
    # The clue (违纪违法问题线索) is transferred; say it had a note quoting the resident, too.
    clue = played.numbers["transferred"]
    note = "据反映人讲，低保名额给了村干部的亲戚。"
    async with world.database.transaction() as session:
        await session.exec(
            update(Complaint).where(col(Complaint.number) == clue).values(resolution=note)
        )
    shared = {row.number: row for row in await rows_of(world, shareable=True)}
    own = {row.number: row for row in await rows_of(world, shareable=False)}

    assert shared[clue].confidential
    assert (shared[clue].description, shared[clue].resolution) == ("", "")
    assert not any("低保" in str(v) for v in shared[clue].values())
    assert not own[clue].confidential and own[clue].resolution == note
    assert own[clue].description == "社区干部优亲厚友，低保名额给了亲戚，请组织调查。"
    for number, row in shared.items():
        if number != clue:
            assert not row.confidential
            assert (row.description, row.resolution) == (
                own[number].description,
                own[number].resolution,
            )


async def test_a_group_sees_its_own_complaints(world: World, played: Played) -> None:
    g5 = world.groups["g5"].id
    rows = await rows_of(world, shareable=False, group_id=g5)
    assert [row.values() for row in rows] == await expected_rows(
        world, shareable=False, group_id=g5
    )
    assert {row.number for row in rows} == {
        played.numbers["transferred"],
        played.numbers["resolved"],
    }
    assert {row.village for row in rows} == {"优越社区"}


async def test_summary_counts_the_rows(world: World, played: Played) -> None:
    async with world.database.transaction() as session:
        summary = await ledger.ledger_summary(session=session, round_id=world.round_id)
    rows = await rows_of(world, shareable=True)
    assert summary.total == len(rows) == 10
    assert (summary.round_code, summary.group_name) == ("WD2023-1", None)
    statuses = Counter(row.status for row in rows)
    assert {ledger.STATUS_ZH[s]: n for s, n in summary.by_status.items() if n} == statuses
    assert summary.by_status == {
        "new": 2,
        "accepted": 2,
        "immediate": 0,
        "handed_off": 0,
        "transferred": 1,
        "resolved": 1,
        "rejected": 1,
        "merged": 1,
        "closed": 2,
        "withdrawn": 0,
    }
    # 渠道 (issue 11): every channel listed; all of these came by the bot.
    assert summary.by_channel == {
        "bot": 10,
        "visit": 0,
        "meeting": 0,
        "phone": 0,
        "letter": 0,
        "walk_in": 0,
        "other": 0,
    }
    categories = Counter(row.category for row in rows)
    assert {c.name_zh: c.count for c in summary.by_category if c.count} == categories
    # Every category of the round is listed, in the roster's order.
    assert [c.code for c in summary.by_category][:3] == ["water", "power", "road"]
    assert summary.by_handling == {
        "immediate": 1,
        "handed_off": 2,
        "transferred": 1,
        "rejected": 1,
    }
    handling = Counter(row.handling for row in rows)
    assert {ledger.HANDLING_ZH[k]: n for k, n in summary.by_handling.items()} == {
        name: n for name, n in handling.items() if name != "—"
    }
    assert summary.satisfaction == {"satisfied": 1, "basic": 1, "unsatisfied": 1}
    assert summary.satisfied_share == pytest.approx(2 / 3)


async def test_summary_of_one_group(world: World, played: Played) -> None:
    async with world.database.transaction() as session:
        summary = await ledger.ledger_summary(
            session=session, round_id=world.round_id, group_id=world.groups["g5"].id
        )
    assert (summary.group_name, summary.total) == ("第五巡察组", 2)
    assert summary.by_handling["transferred"] == 1
    assert summary.satisfied_share is None


async def test_round_by_code(world: World) -> None:
    async with world.database.transaction() as session:
        found = await ledger.round_by_code(session=session, code=" wd2023-1 ")
        missing = await ledger.round_by_code(session=session, code="WD2099-1")
        codes = await ledger.round_codes(session=session)
    assert found is not None and found.id == world.round_id
    assert missing is None
    assert codes == ["WD2023-1"]


def test_export_directory(tmp_path: Path) -> None:
    assert ledger.export_directory(f"sqlite:///{tmp_path}/db/x.db") == tmp_path / "db" / "exports"
    elsewhere = ledger.export_directory("postgresql://u@h/db")
    assert elsewhere.name == "xuncha-exports"
