"""A department's side of a hand-off in storage: 签收, 退回 and the group's decision, 延期,
阶段性进展, the report's photos, and a clue's 签收 / 已受理 / 销号."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from storage import ledger, schedule, triage, workflow
from storage.db import Database
from storage.models import Handoff, Round
from storage.outbox import DEPARTMENT_CARD, EVENT
from storage.roster import RosterError, parse_roster
from storage.workflow import Actor, Outcome, Refusal, dispatches
from tests.helpers.factories import (
    DISCIPLINE_CHAT,
    G3_CHAT,
    G5_CHAT,
    NOW,
    SHANGHAI,
    WATER_CHAT,
    World,
    complaint,
    events,
    example_world,
    file,
    last_outbox_id,
    outbox_rows,
)
from tests.helpers.rosters import example_roster

INSPECTOR = Actor("inspector", 501, "李组长")
WORKER = Actor("department", 601, "水利局 赵")
SECOND_WORKER = Actor("department", 602, "水利局 钱")
DUE = date(2023, 3, 17)
LATER = NOW + timedelta(hours=1)
RESIDENT = 1001


@pytest.fixture
async def world(database: Database) -> World:
    """The example round with g3, the water bureau and the discipline commission linked."""
    return await example_world(database)


async def run(world: World, call: Callable[..., Awaitable[Outcome]], **values: Any) -> Outcome:
    """A workflow call in a transaction of its own (at LATER unless told)."""
    values.setdefault("now", LATER)
    async with world.database.transaction() as session:
        return await call(session=session, **values)


async def by_group(world: World, call: Any, cid: int, **values: Any) -> Outcome:
    """An inspector's press from the g3 chat."""
    return await run(world, call, complaint_id=cid, chat_id=G3_CHAT, actor=INSPECTOR, **values)


async def by_water(world: World, call: Any, cid: int, **values: Any) -> Outcome:
    """A water bureau member's press from its chat."""
    values.setdefault("actor", WORKER)
    values.setdefault("department_chat_id", WATER_CHAT)
    return await run(world, call, complaint_id=cid, **values)


async def handed_off(world: World, **values: Any) -> int:
    """A complaint handed off to the water bureau, due DUE."""
    row = await file(world.database, RESIDENT, **values)
    assert row.id is not None
    outcome = await by_group(
        world,
        workflow.hand_off,
        row.id,
        expected="new",
        department_id=world.department_id("water"),
        due_on=DUE,
        now=NOW + timedelta(minutes=1),
    )
    assert outcome.ok, outcome
    return row.id


async def rows(world: World, cid: int) -> list[Handoff]:
    """The complaint's dispatch rows, oldest first."""
    async with world.database.transaction() as session:
        statement = select(Handoff).where(Handoff.complaint_id == cid).order_by(col(Handoff.id))
        return list((await session.exec(statement)).all())


# --- 签收 -------------------------------------------------------------------------------------


async def test_sign_records_who_and_when_once(world: World) -> None:
    cid = await handed_off(world)
    mark = await last_outbox_id(world.database)
    outcome = await by_water(world, workflow.sign, cid)
    assert outcome.ok
    (row,) = await rows(world, cid)
    assert (row.signed_at, row.signed_by_name, row.signed_by_telegram_id) == (
        LATER,
        "水利局 赵",
        601,
    )
    written = await outbox_rows(world.database, after=mark)
    assert {(r.kind, r.chat_id) for r in written} == {
        ("card", G3_CHAT),
        (DEPARTMENT_CARD, WATER_CHAT),
    }
    assert [e.action for e in await events(world.database, cid)][-1] == "signed"

    again = await by_water(world, workflow.sign, cid, actor=SECOND_WORKER)
    assert (again.refusal, again.detail) == (Refusal.nothing_to_do, "水利局 赵")
    (row,) = await rows(world, cid)
    assert row.signed_by_name == "水利局 赵"


async def test_only_the_department_s_own_chat_signs(world: World) -> None:
    cid = await handed_off(world)
    for chat in (G3_CHAT, DISCIPLINE_CHAT, G5_CHAT):
        outcome = await by_water(world, workflow.sign, cid, department_chat_id=chat)
        assert outcome.refusal == Refusal.wrong_chat, chat
    (row,) = await rows(world, cid)
    assert row.signed_at is None


async def test_two_signs_at_once_make_one_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both transactions read the dispatch unsigned before either writes: one signs."""
    database = world.database
    if database.is_sqlite:
        pytest.skip("SQLite runs one writing transaction at a time: no two can interleave")
    cid = await handed_off(world)
    barrier = asyncio.Barrier(2)
    real = dispatches.guarded

    async def guarded_after_both_read(*args: Any, **kwargs: Any) -> bool:
        await asyncio.wait_for(barrier.wait(), timeout=10)
        return await real(*args, **kwargs)

    monkeypatch.setattr(dispatches, "guarded", guarded_after_both_read)

    async def press(actor: Actor) -> Outcome:
        async with database.transaction() as session:
            return await workflow.sign(
                session=session,
                complaint_id=cid,
                department_chat_id=WATER_CHAT,
                actor=actor,
                now=LATER,
            )

    outcomes = await asyncio.gather(press(WORKER), press(SECOND_WORKER))
    assert sorted(o.refusal or "ok" for o in outcomes) == ["nothing_to_do", "ok"]
    assert [e.action for e in await events(database, cid)].count("signed") == 1
    (row,) = await rows(world, cid)
    winner = next(o for o in outcomes if o.ok)
    assert winner.ok and row.signed_by_name in ("水利局 赵", "水利局 钱")


# --- 退回 ------------------------------------------------------------------------------------


async def test_a_return_goes_back_to_the_group_and_a_re_dispatch_accepts_it(world: World) -> None:
    cid = await handed_off(world)
    mark = await last_outbox_id(world.database)
    outcome = await by_water(
        world, workflow.send_back, cid, reason="not_ours", note="<不是> 我局职责"
    )
    assert outcome.ok
    found = await complaint(world.database, cid)
    assert found.status == "accepted"
    (row,) = await rows(world, cid)
    assert (row.return_reason, row.return_note, row.return_outcome) == (
        "not_ours",
        "<不是> 我局职责",
        None,
    )
    assert row.ended_at == LATER
    returned = (await events(world.database, cid))[-1]
    assert (returned.action, returned.public, returned.note) == ("returned", True, None)
    written = await outbox_rows(world.database, after=mark)
    assert (EVENT, RESIDENT) in {(r.kind, r.chat_id) for r in written}
    assert (EVENT, G3_CHAT) in {(r.kind, r.chat_id) for r in written}
    async with world.database.transaction() as session:
        view = await triage.card_view(session=session, complaint_id=cid)
    assert view is not None and view.return_pending and view.returns == 1

    # The department cannot act on it any more.
    again = await by_water(world, workflow.sign, cid)
    assert (again.refusal, again.detail) == (Refusal.moved_on, "accepted")

    # Re-dispatched to another department: the return does not count against the first.
    outcome = await by_group(
        world,
        workflow.hand_off,
        cid,
        expected="accepted",
        department_id=world.department_id("housing"),
        due_on=DUE,
    )
    assert outcome.ok
    first, second = await rows(world, cid)
    assert first.return_outcome == "accepted"
    assert second.ended_at is None and second.department_id == world.department_id("housing")


async def test_a_return_needs_a_known_reason_and_a_text(world: World) -> None:
    cid = await handed_off(world)
    bad = await by_water(world, workflow.send_back, cid, reason="lazy", note="不想办")
    assert (bad.refusal, bad.detail) == (Refusal.invalid, "reason")
    empty = await by_water(world, workflow.send_back, cid, reason="other", note=" \u200b ")
    assert (empty.refusal, empty.detail) == (Refusal.invalid, "empty")
    assert (await complaint(world.database, cid)).status == "handed_off"


async def test_insisting_sends_it_back_with_the_note_and_counts_against(world: World) -> None:
    cid = await handed_off(world)
    assert (await by_water(world, workflow.send_back, cid, reason="unclear", note="地址不清")).ok
    # Only the owning group, and only while a return waits.
    elsewhere = await run(
        world,
        workflow.insist,
        complaint_id=cid,
        chat_id=G5_CHAT,
        actor=INSPECTOR,
        expected="accepted",
        note="x",
    )
    assert elsewhere.refusal == Refusal.wrong_chat
    outcome = await by_group(
        world, workflow.insist, cid, expected="accepted", note="就是小店村三组，请尽快办理"
    )
    assert outcome.ok
    found = await complaint(world.database, cid)
    assert (found.status, found.department_id) == ("handed_off", world.department_id("water"))
    first, second = await rows(world, cid)
    assert first.return_outcome == "overruled"
    assert second.insist_note == "就是小店村三组，请尽快办理" and second.ended_at is None
    insisted = (await events(world.database, cid))[-1]
    assert (insisted.action, insisted.public) == ("insisted", False)
    # A second insist (a stale card) changes nothing.
    again = await by_group(world, workflow.insist, cid, expected="accepted", note="再次")
    assert (again.refusal, again.detail) == (Refusal.moved_on, "handed_off")


async def test_insist_is_refused_without_a_return(world: World) -> None:
    row = await file(world.database, RESIDENT)
    assert row.id is not None
    assert (await by_group(world, workflow.accept, row.id, expected="new")).ok
    outcome = await by_group(world, workflow.insist, row.id, expected="accepted", note="坚持")
    assert outcome.refusal == Refusal.not_allowed


# --- 延期 ------------------------------------------------------------------------------------


async def test_an_approved_extension_moves_the_due_date(world: World) -> None:
    cid = await handed_off(world)
    outcome = await by_water(world, workflow.request_extension, cid, days=7, reason="需采购水泵")
    assert outcome.ok
    (row,) = await rows(world, cid)
    assert (row.extension_state, row.extension_days, row.signed_at) == ("pending", 7, LATER)
    pending = await by_water(world, workflow.request_extension, cid, days=3, reason="再延")
    assert (pending.refusal, pending.detail) == (Refusal.nothing_to_do, "pending")
    assert row.id is not None

    forged = await run(
        world,
        workflow.approve_extension,
        complaint_id=cid,
        chat_id=WATER_CHAT,
        actor=WORKER,
        handoff_id=row.id,
    )
    assert forged.refusal == Refusal.wrong_chat
    mark = await last_outbox_id(world.database)
    approved = await by_group(world, workflow.approve_extension, cid, handoff_id=row.id)
    assert approved.ok
    assert (await complaint(world.database, cid)).due_on == DUE + timedelta(days=7)
    (row,) = await rows(world, cid)
    assert (row.extension_state, row.extended_days, row.extension_decided_by) == (
        "approved",
        7,
        "李组长",
    )
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.public, event.note) == ("extension_approved", True, "2023-03-24")
    kinds = {(r.kind, r.chat_id) for r in await outbox_rows(world.database, after=mark)}
    assert {(EVENT, RESIDENT), (EVENT, WATER_CHAT), (DEPARTMENT_CARD, WATER_CHAT)} <= kinds
    twice = await by_group(world, workflow.approve_extension, cid, handoff_id=row.id)
    assert twice.refusal == Refusal.nothing_to_do
    assert (await complaint(world.database, cid)).due_on == DUE + timedelta(days=7)


async def test_a_refused_extension_keeps_the_date_and_says_why(world: World) -> None:
    cid = await handed_off(world)
    assert (await by_water(world, workflow.request_extension, cid, days=3, reason="人手不足")).ok
    (row,) = await rows(world, cid)
    assert row.id is not None
    refused = await by_group(
        world, workflow.refuse_extension, cid, handoff_id=row.id, reason="群众急需用水"
    )
    assert refused.ok
    assert (await complaint(world.database, cid)).due_on == DUE
    (row,) = await rows(world, cid)
    assert (row.extension_state, row.extension_refusal) == ("refused", "群众急需用水")
    approve_late = await by_group(world, workflow.approve_extension, cid, handoff_id=row.id)
    assert (approve_late.refusal, approve_late.detail) == (Refusal.nothing_to_do, "refused")
    # A new request may follow a refusal.
    assert (await by_water(world, workflow.request_extension, cid, days=1, reason="再申请")).ok


async def test_an_extension_after_the_due_date_is_refused(world: World) -> None:
    cid = await handed_off(world)
    # 2023-03-18 in Shanghai: the day after DUE.
    late = NOW + timedelta(days=4)
    outcome = await by_water(
        world, workflow.request_extension, cid, days=3, reason="来不及", now=late
    )
    assert (outcome.refusal, outcome.detail) == (Refusal.not_allowed, "overdue")
    on_the_day = NOW + timedelta(days=3)
    assert (
        await by_water(
            world, workflow.request_extension, cid, days=3, reason="当天", now=on_the_day
        )
    ).ok
    bad = await by_water(world, workflow.request_extension, cid, days=31, reason="太久")
    assert (bad.refusal, bad.detail) == (Refusal.invalid, "days")


# --- 进展, 办结 with photos --------------------------------------------------------------------


async def test_progress_with_photos_is_public_and_told_to_the_group(world: World) -> None:
    cid = await handed_off(world)
    mark = await last_outbox_id(world.database)
    photos = [f"p{i}" for i in range(5)]
    outcome = await by_water(
        world, workflow.post_progress, cid, note="已勘查现场", photo_file_ids=photos
    )
    assert outcome.ok
    assert (await complaint(world.database, cid)).status == "handed_off"
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.public, event.note, event.photo_file_ids) == (
        "progress",
        True,
        "已勘查现场",
        photos,
    )
    kinds = {(r.kind, r.chat_id) for r in await outbox_rows(world.database, after=mark)}
    assert {(EVENT, RESIDENT), (EVENT, G3_CHAT)} <= kinds
    too_many = await by_water(
        world, workflow.post_progress, cid, note="再来", photo_file_ids=[*photos, "p5"]
    )
    assert (too_many.refusal, too_many.detail) == (Refusal.invalid, "photos")


async def test_the_report_keeps_its_photos(world: World) -> None:
    cid = await handed_off(world)
    outcome = await run(
        world,
        workflow.report_done,
        complaint_id=cid,
        department_chat_id=WATER_CHAT,
        note="已更换水泵",
        actor=WORKER,
        photo_file_ids=["a", "b"],
    )
    assert outcome.ok
    event = (await events(world.database, cid))[-1]
    assert (event.photo_file_id, event.photo_file_ids) == ("a", ["a", "b"])
    (row,) = await rows(world, cid)
    assert row.done_at == LATER and row.signed_at == LATER


# --- a clue ----------------------------------------------------------------------------------


async def test_a_clue_reaches_the_commission_and_is_closed_there(world: World) -> None:
    row = await file(world.database, RESIDENT, category="clue", photo_file_ids=["x1"])
    assert row.id is not None
    cid = row.id
    mark = await last_outbox_id(world.database)
    outcome = await by_group(
        world,
        workflow.transfer,
        cid,
        expected="new",
        department_id=world.department_id("discipline"),
    )
    assert outcome.ok
    written = await outbox_rows(world.database, after=mark)
    to_commission = [r.kind for r in written if r.chat_id == DISCIPLINE_CHAT]
    assert to_commission == [DEPARTMENT_CARD, "attachments"]
    assert not [r for r in written if r.chat_id == WATER_CHAT]

    commission = {
        "department_chat_id": DISCIPLINE_CHAT,
        "actor": Actor("department", 701, "纪委 孙"),
    }
    water = await by_water(world, workflow.sign, cid)
    assert water.refusal == Refusal.wrong_chat
    assert (await by_water(world, workflow.sign, cid, **commission)).ok
    received = await by_water(world, workflow.receive_clue, cid, note="已登记受理", **commission)
    assert received.ok
    twice = await by_water(world, workflow.receive_clue, cid, note="again", **commission)
    assert twice.refusal == Refusal.nothing_to_do
    mark = await last_outbox_id(world.database)
    closed = await by_water(
        world, workflow.close_clue, cid, note="已立案处理，予以销号", **commission
    )
    assert closed.ok
    found = await complaint(world.database, cid)
    assert (found.status, found.closed_at) == ("closed", LATER)
    (dispatch,) = await rows(world, cid)
    assert (dispatch.received_at, dispatch.done_at) == (LATER, LATER)
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.public) == ("clue_closed", True)
    kinds = {(r.kind, r.chat_id) for r in await outbox_rows(world.database, after=mark)}
    assert {(EVENT, RESIDENT), (EVENT, G3_CHAT)} <= kinds
    long = await by_water(world, workflow.receive_clue, cid, note="长" * 501, **commission)
    assert long.refusal == Refusal.invalid


# --- 催签 -------------------------------------------------------------------------------------


async def test_the_sign_reminder_waits_for_the_round_s_hours_and_comes_once(world: World) -> None:
    async with world.database.transaction() as session:
        round_ = await session.get(Round, world.round_id)
        assert round_ is not None
        round_.sign_within_hours = 48
    cid = await handed_off(world)
    signed = await handed_off(world)
    assert (await by_water(world, workflow.sign, signed)).ok
    handed = NOW + timedelta(minutes=1)

    async def swept(at: datetime) -> list[str]:
        async with world.database.transaction() as session:
            return (await schedule.sweep_signing(session=session, now=at)).sent

    assert await swept(handed + timedelta(hours=47)) == []
    mark = await last_outbox_id(world.database)
    (row, *_) = await rows(world, cid)
    assert await swept(handed + timedelta(hours=48)) == [f"sign:{row.id}"]
    written = await outbox_rows(world.database, after=mark)
    assert {(r.chat_id, r.payload["notice"]) for r in written} == {
        (WATER_CHAT, "sign_reminder"),
        (G3_CHAT, "sign_reminder"),
    }
    assert await swept(handed + timedelta(hours=72)) == []


def test_the_roster_s_sign_deadline_is_at_least_an_hour() -> None:
    assert "handoff:" not in example_roster()
    text = example_roster() + "\nhandoff:\n  sign_within_hours: 0\n"
    with pytest.raises(RosterError) as raised:
        parse_roster(text, "roster.yaml")
    assert "sign_within_hours" in str(raised.value)


# --- the ledger's columns ---------------------------------------------------------------------


async def test_the_ledger_shows_signing_returns_and_extensions(world: World) -> None:
    cid = await handed_off(world)
    assert (
        await by_water(world, workflow.send_back, cid, reason="wrong_place", note="不在辖区")
    ).ok
    redispatched = await by_group(
        world,
        workflow.hand_off,
        cid,
        expected="accepted",
        department_id=world.department_id("water"),
        due_on=DUE,
        now=LATER + timedelta(minutes=5),
    )
    assert redispatched.ok
    signed_at = LATER + timedelta(hours=2)
    assert (await by_water(world, workflow.sign, cid, now=signed_at)).ok
    asked = await by_water(
        world, workflow.request_extension, cid, days=7, reason="采购", now=signed_at
    )
    assert asked.ok
    *_, row = await rows(world, cid)
    assert row.id is not None
    assert (await by_group(world, workflow.approve_extension, cid, handoff_id=row.id)).ok
    untouched = await file(world.database, 1002)

    async def ledger_of(shareable: bool) -> dict[str, Any]:
        async with world.database.transaction() as session:
            return {
                r.number: r
                async for r in ledger.ledger_rows(
                    session=session, round_id=world.round_id, shareable=shareable
                )
            }

    found = await ledger_of(False)
    number = (await complaint(world.database, cid)).number
    shown = found[number]
    assert (shown.signed_at, shown.returns, shown.last_return) == (
        signed_at.astimezone(SHANGHAI),
        1,
        "属地不符",
    )
    assert (shown.extended_days, shown.extended_by) == (7, "李组长")
    assert shown.due_on == DUE + timedelta(days=7)
    other = found[untouched.number]
    assert (other.signed_at, other.returns, other.extended_days) == (None, None, None)


async def test_a_shareable_ledger_shows_nothing_of_a_clue_s_handling(world: World) -> None:
    row = await file(world.database, RESIDENT, category="clue")
    assert row.id is not None
    discipline = world.department_id("discipline")
    assert (
        await by_group(world, workflow.transfer, row.id, expected="new", department_id=discipline)
    ).ok
    commission = {"department_chat_id": DISCIPLINE_CHAT, "actor": Actor("department", 701, "孙")}
    assert (await by_water(world, workflow.sign, row.id, **commission)).ok
    async with world.database.transaction() as session:
        shared = [
            r
            async for r in ledger.ledger_rows(
                session=session, round_id=world.round_id, shareable=True
            )
        ]
        internal = [
            r
            async for r in ledger.ledger_rows(
                session=session, round_id=world.round_id, shareable=False
            )
        ]
    assert shared[0].signed_at is None and shared[0].confidential
    assert internal[0].signed_at == LATER.astimezone(SHANGHAI)


async def test_a_clue_the_group_closes_itself_ends_the_commission_s_dispatch(
    world: World,
) -> None:
    row = await file(world.database, RESIDENT, category="clue")
    assert row.id is not None
    discipline = world.department_id("discipline")
    assert (
        await by_group(world, workflow.transfer, row.id, expected="new", department_id=discipline)
    ).ok
    assert (await by_group(world, workflow.close, row.id, expected="transferred")).ok
    (dispatch,) = await rows(world, row.id)
    assert (dispatch.ended_at, dispatch.done_at) == (LATER, None)
    commission = {"department_chat_id": DISCIPLINE_CHAT, "actor": Actor("department", 701, "孙")}
    late = await by_water(world, workflow.sign, row.id, **commission)
    assert (late.refusal, late.detail) == (Refusal.moved_on, "closed")
