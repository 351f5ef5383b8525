"""The lifecycle, written once: what each status allows, for each chat's role."""

from __future__ import annotations

from datetime import date, timedelta

from storage import lifecycle, workflow
from storage.db import Database
from storage.lifecycle import Act, Role
from storage.models import ComplaintStatus as S
from storage.workflow import Actor, Press, Refusal
from tests.helpers.factories import (
    G3_CHAT,
    NOW,
    complaint,
    events,
    example_world,
    file,
    last_outbox_id,
    outbox_rows,
)

INSPECTOR = Actor("inspector", 501, "李组长")

# docs/DESIGN.md's lifecycle table.
DESIGN = {
    S.new: {
        S.accepted,
        S.immediate,
        S.handed_off,
        S.transferred,
        S.rejected,
        S.merged,
        S.withdrawn,
    },
    S.accepted: {
        S.immediate,
        S.handed_off,
        S.transferred,
        S.resolved,
        S.rejected,
        S.merged,
        S.withdrawn,
    },
    S.immediate: {S.resolved, S.handed_off, S.withdrawn},
    S.handed_off: {S.resolved, S.handed_off, S.accepted, S.withdrawn},
    S.transferred: {S.closed},
    S.resolved: {S.closed, S.accepted},
    S.rejected: {S.accepted},
    S.merged: set(),
    S.closed: set(),
    S.withdrawn: set(),
}


def test_the_moves_are_the_design_table() -> None:
    assert lifecycle.moves() == DESIGN


def test_a_sensitive_complaint_is_never_handed_off_nor_fixed_at_once() -> None:
    for status in S:
        offered = lifecycle.allowed(status, Role.group, sensitive=True)
        assert Act.hand_off not in offered and Act.immediate not in offered, status
    assert Act.transfer in lifecycle.allowed(S.new, Role.group, sensitive=True)
    assert Act.immediate in lifecycle.allowed(S.new, Role.group)
    assert not lifecycle.allows(S.accepted, Role.group, Act.immediate, sensitive=True)


def test_each_role_has_its_own_moves() -> None:
    assert lifecycle.allowed(S.handed_off, Role.department) == (
        Act.sign,
        Act.progress,
        Act.extend,
        Act.report,
        Act.send_back,
    )
    assert lifecycle.allowed(S.transferred, Role.department) == (
        Act.sign,
        Act.clue_receive,
        Act.clue_close,
    )
    assert lifecycle.allowed(S.resolved, Role.resident) == (Act.close, Act.reopen)
    assert lifecycle.allowed(S.resolved, Role.system) == (Act.close,)
    # 补充材料 and 撤回 (issue 11) until it is resolved; a clue only 补充材料; nothing after.
    assert lifecycle.allowed(S.new, Role.resident) == (Act.supplement, Act.withdraw)
    assert lifecycle.allowed(S.transferred, Role.resident) == (Act.supplement,)
    assert lifecycle.allowed(S.closed, Role.resident) == ()
    assert lifecycle.allowed(S.withdrawn, Role.resident) == ()
    assert lifecycle.allowed(S.merged, Role.group) == ()


def test_insist_is_offered_only_while_a_return_waits() -> None:
    assert Act.insist not in lifecycle.allowed(S.accepted, Role.group)
    assert lifecycle.allowed(S.accepted, Role.group, returned=True)[0] == Act.insist
    assert Act.insist not in lifecycle.allowed(
        S.accepted, Role.group, returned=True, sensitive=True
    )


async def test_the_workflow_orders_no_immediate_fix_of_a_sensitive_complaint(
    database: Database,
) -> None:
    await example_world(database)
    filed = await file(database, 1001, category="conduct")
    assert filed.id is not None
    mark = await last_outbox_id(database)
    async with database.transaction() as session:
        press = Press(session, filed.id, G3_CHAT, INSPECTOR, NOW + timedelta(minutes=1), "new")
        outcome = await workflow.order_immediate(press, due_on=date(2023, 3, 17))
    assert (outcome.refusal, outcome.detail) == (Refusal.not_allowed, "sensitive")
    assert (await complaint(database, filed.id)).status == "new"
    assert await outbox_rows(database, after=mark) == []
    assert [e.action for e in await events(database, filed.id)] == ["filed"]


async def test_only_the_survey_and_the_sweeps_move_a_resolved_complaint(
    database: Database,
) -> None:
    """From the group's chat, resolved → closed / accepted are refused by the workflow too."""
    await example_world(database)
    filed = await file(database, 1001)
    assert filed.id is not None
    later = NOW + timedelta(minutes=1)
    async with database.transaction() as session:
        press = Press(session, filed.id, G3_CHAT, INSPECTOR, later, "new")
        assert (await workflow.accept(press)).ok
        press = Press(session, filed.id, G3_CHAT, INSPECTOR, later, "accepted")
        assert (await workflow.resolve(press, note="修好了", photo_file_id=None)).ok
    mark = await last_outbox_id(database)
    for action in (workflow.close, workflow.accept):
        async with database.transaction() as session:
            press = Press(session, filed.id, G3_CHAT, INSPECTOR, later, "resolved")
            outcome = await action(press)
        assert (outcome.refusal, outcome.detail) == (Refusal.not_allowed, "resolved"), action
    found = await complaint(database, filed.id)
    assert (found.status, found.satisfaction, found.closed_at) == ("resolved", None, None)
    assert await outbox_rows(database, after=mark) == []
