"""The console's access rules over real HTTP (docs/DESIGN.md "The console"): login links,
sessions, logout, 403 for anything not the viewer's, and the identity rules on every page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from storage import workflow
from storage.models import Complaint
from tests.helpers.console import browser, console_bot, login_token
from tests.helpers.factories import World, act, example_world, file, outbox_rows
from tests.helpers.harness import BotHarness
from tests.helpers.ledger_round import INSPECTOR

PHONE = "+8613800000000"
NAME = "张 三"


@dataclass
class Round:
    """The running bot with the console, the example round and three complaints."""

    harness: BotHarness
    world: World
    # g3, named, handed off to the water bureau; g3, anonymous; g5, named.
    handed: Complaint
    anonymous: Complaint
    other_group: Complaint

    def id_of(self, target: str, code: str = "") -> int:
        """A group's, department's or the office's id."""
        if target == "office":
            return self.world.round_id
        rows = self.world.groups if target == "group" else self.world.departments
        found = rows[code].id
        assert found is not None
        return found


@pytest.fixture
async def played(tmp_path: Path) -> AsyncIterator[Round]:
    async with console_bot(tmp_path) as harness:
        world = await example_world(harness.database, link=True, link_departments=("water",))
        handed = await file(harness.database, 4001, description="机井坏了")
        anonymous = await file(harness.database, 4002, anonymous=True, description="路灯不亮")
        other = await file(harness.database, 4003, village="youyue", description="低保的事")
        assert handed.id is not None
        await act(world, workflow.accept, handed.id, actor=INSPECTOR, expected="new")
        await act(
            world,
            workflow.hand_off,
            handed.id,
            actor=INSPECTOR,
            expected="accepted",
            department_id=world.department_id("water"),
            due_on=date(2023, 3, 20),
        )
        yield Round(harness, world, handed, anonymous, other)


async def test_a_login_link_opens_a_session_once_and_logout_ends_it(played: Round) -> None:
    token = await login_token(played.harness, "office", played.id_of("office"))
    async with browser(played.harness) as first, browser(played.harness) as second:
        status, page = await first.get("/")
        assert status == 403 and played.handed.number not in page
        status, page = await first.log_in(token)
        assert status == 200 and "巡察办" in page
        cookie = first.cookie()
        assert cookie is not None
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        # Served over http here: not Secure (CONSOLE_URL https makes it so).
        assert not cookie["secure"]
        status, _ = await second.log_in(token)
        assert status == 403 and second.cookie() is None
        status, page = await first.get("/list")
        assert status == 200 and played.handed.number in page
        status, page = await first.post("/logout")
        assert status == 200
        status, page = await first.get("/list")
        assert status == 403 and played.handed.number not in page


async def test_a_link_expires_after_ten_minutes_and_a_session_after_twelve_hours(
    played: Round,
) -> None:
    harness = played.harness
    stale = await login_token(harness, "office", played.id_of("office"))
    fresh = await login_token(harness, "office", played.id_of("office"))
    harness.clock.advance(timedelta(minutes=10))
    async with browser(harness) as late, browser(harness) as on_time:
        status, _ = await late.log_in(stale)
        assert status == 403
        harness.clock.advance(timedelta(minutes=-1))
        status, _ = await on_time.log_in(fresh)
        assert status == 200
        harness.clock.advance(timedelta(hours=12))
        status, _ = await on_time.get("/")
        assert status == 403


async def test_a_group_sees_only_its_own_complaints_with_their_identity(
    played: Round, caplog: pytest.LogCaptureFixture
) -> None:
    token = await login_token(played.harness, "group", played.id_of("group", "g3"))
    async with browser(played.harness) as g3:
        await g3.log_in(token)
        status, page = await g3.get(f"/c/{played.handed.number}")
        assert status == 200 and PHONE in page and NAME in page
        status, page = await g3.get(f"/c/{played.anonymous.number}")
        assert status == 200 and PHONE not in page and NAME not in page
        with caplog.at_level(logging.WARNING, logger="console"):
            status, page = await g3.get(f"/c/{played.other_group.number}")
        assert status == 403 and "低保" not in page
        assert f"may not see {played.other_group.number}" in caplog.text
        status, page = await g3.get("/list")
        assert played.handed.number in page and played.other_group.number not in page
        # Asking for the other group by filter shows nothing either.
        status, page = await g3.get(f"/list?group={played.id_of('group', 'g5')}")
        assert played.other_group.number not in page


async def test_a_department_sees_only_what_was_handed_to_it_and_no_identity(
    played: Round,
) -> None:
    token = await login_token(played.harness, "department", played.id_of("department", "water"))
    async with browser(played.harness) as water:
        await water.log_in(token)
        status, page = await water.get(f"/c/{played.handed.number}")
        assert status == 200 and "机井坏了" in page
        assert PHONE not in page and NAME not in page and "user4001" not in page
        for number in (played.anonymous.number, played.other_group.number, "WD2023-1-9999"):
            status, page = await water.get(f"/c/{number}")
            assert status == 403, number
        status, page = await water.get("/list")
        assert played.handed.number in page and played.anonymous.number not in page
        # 督办 is the office's and the group's, not the department's.
        status, _ = await water.post(f"/c/{played.handed.number}/remind")
        assert status == 403


async def test_the_office_s_pages_show_no_identity(played: Round) -> None:
    token = await login_token(played.harness, "office", played.id_of("office"))
    async with browser(played.harness) as office:
        await office.log_in(token)
        pages = ["/", "/list", "/map", "/map.json", "/list?q=机井"]
        pages += [f"/c/{c.number}" for c in (played.handed, played.anonymous, played.other_group)]
        for path in pages:
            status, page = await office.get(path)
            assert status == 200, path
            for secret in (PHONE, NAME, "user4001", "user4003"):
                assert secret not in page, (path, secret)
        status, page = await office.get("/list?q=机井")
        assert played.handed.number in page and played.anonymous.number not in page


async def test_pages_without_a_session_are_refused(played: Round) -> None:
    number = played.handed.number
    async with browser(played.harness) as nobody:
        for path in ("/", "/list", "/map", "/map.json", "/export.xlsx", f"/c/{number}"):
            status, page = await nobody.get(path)
            assert status == 403, path
            assert number not in page
        status, _ = await nobody.post(f"/c/{number}/remind")
        assert status == 403


async def test_remind_pressed_again_within_the_hour_sends_nothing_and_says_so(
    played: Round,
) -> None:
    # Past the hand-off's 办理时限 (2023-03-20).
    played.harness.clock.advance(timedelta(days=10))
    token = await login_token(played.harness, "office", played.id_of("office"))
    number = played.handed.number
    async with browser(played.harness) as office:
        await office.log_in(token)
        before = len(await outbox_rows(played.harness.database))
        status, page = await office.post(f"/c/{number}/remind")
        assert status == 200 and "督办提醒已发送" in page
        sent = len(await outbox_rows(played.harness.database))
        # The group's chat and the water bureau's.
        assert sent == before + 2
        played.harness.clock.advance(timedelta(minutes=59))
        status, page = await office.post(f"/c/{number}/remind")
        assert status == 200 and "1小时内已督办过，本次未重复发送" in page
        assert len(await outbox_rows(played.harness.database)) == sent
        played.harness.clock.advance(timedelta(minutes=1))
        status, page = await office.post(f"/c/{number}/remind")
        assert status == 200 and "督办提醒已发送" in page
        assert len(await outbox_rows(played.harness.database)) == sent + 2
