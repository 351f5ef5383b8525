"""A hand-made round for the three rates: complaints acted on at chosen hours, hand-offs signed,
sent back and overruled, and 回访 answered or not (tests/storage/test_rates.py works the
figures out by hand).

The group's acts go through the workflow (they write the timeline the rates read). A hand-off's
签收 and 退回 and a 回访's answers are set on the rows directly, so the figures do not depend on
the department's buttons or on the survey's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from storage import workflow
from storage.models import Complaint, Handoff
from storage.workflow import Actor, Outcome
from tests.helpers.factories import G3_CHAT, G5_CHAT, NOW, World, file

INSPECTOR = Actor("inspector", 501, "李组长")
DUE = date(2023, 3, 31)
# When the figures are read: 100 hours after the round's complaints were filed.
READ_AT = NOW + timedelta(hours=100)


def hours(n: float) -> datetime:
    """NOW + n hours."""
    return NOW + timedelta(hours=n)


@dataclass
class RatesRound:
    """The complaints of the hand-made round by letter (see play_rates_round)."""

    ids: dict[str, int]


async def press(
    world: World,
    action: Callable[..., Awaitable[Outcome]],
    complaint_id: int,
    at: float,
    *,
    chat: int = G3_CHAT,
    **values: Any,
) -> None:
    """An inspector's press `at` hours after NOW, which must succeed."""
    async with world.database.transaction() as session:
        outcome = await action(
            session=session,
            complaint_id=complaint_id,
            chat_id=chat,
            actor=INSPECTOR,
            now=hours(at),
            **values,
        )
    assert outcome.ok, (action, outcome)


async def set_handoff(world: World, complaint_id: int, department: str, **values: Any) -> None:
    """Set fields (signed_at, returned_at, return_outcome, ...) on the complaint's latest
    hand-off row to `department`."""
    department_id = world.department_id(department)
    async with world.database.transaction() as session:
        row = (
            await session.exec(
                select(Handoff)
                .where(
                    Handoff.complaint_id == complaint_id, Handoff.department_id == department_id
                )
                .order_by(col(Handoff.id).desc())
            )
        ).first()
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)


async def set_survey(
    world: World,
    complaint_id: int,
    *,
    resolution_state: str | None = None,
    satisfaction: str | None = None,
) -> None:
    """A 回访 asked (at NOW + 50 h) with the answers given (None: not answered)."""
    async with world.database.transaction() as session:
        await session.exec(
            update(Complaint)
            .where(col(Complaint.id) == complaint_id)
            .values(
                survey_asked_at=hours(50),
                resolution_state=resolution_state,
                satisfaction=satisfaction,
            )
        )


async def play_rates_round(world: World) -> RatesRound:
    """Eleven complaints in g3 (小店村, 岳家村) and g5 (优越社区); see test_rates.py."""
    ids: dict[str, int] = {}

    async def new(letter: str, village: str, at: float = 0, **values: Any) -> int:
        complaint = await file(
            world.database, 3000 + len(ids), village=village, now=hours(at), **values
        )
        assert complaint.id is not None
        ids[letter] = complaint.id
        return complaint.id

    water, housing = world.department_id("water"), world.department_id("housing")
    discipline = world.department_id("discipline")

    a = await new("A", "xiaodian")
    await press(world, workflow.accept, a, 2, expected="new")
    await press(
        world, workflow.hand_off, a, 3, expected="accepted", department_id=water, due_on=DUE
    )
    await set_handoff(world, a, "water", signed_at=hours(5))
    await set_survey(world, a, resolution_state="solved", satisfaction="satisfied")

    b = await new("B", "xiaodian")
    await press(world, workflow.accept, b, 30, expected="new")
    await press(
        world, workflow.hand_off, b, 31, expected="accepted", department_id=water, due_on=DUE
    )
    await set_survey(world, b, resolution_state="partly", satisfaction="basic")

    c = await new("C", "yuejia")
    await press(world, workflow.order_immediate, c, 1, expected="new", due_on=DUE)
    await set_survey(world, c, resolution_state="unsolved", satisfaction="unsatisfied")

    d = await new("D", "yuejia")
    await press(world, workflow.reject, d, 23, expected="new", reason="不属于巡察受理范围。")

    await new("E", "youyue")
    await new("F", "youyue", at=98)

    g = await new("G", "xiaodian")
    number = await _number(world, a)
    await press(world, workflow.merge, g, 1, expected="new", into_number=number)

    h = await new("H", "youyue")
    await press(world, workflow.accept, h, 1, chat=G5_CHAT, expected="new")
    await press(
        world,
        workflow.hand_off,
        h,
        2,
        chat=G5_CHAT,
        expected="accepted",
        department_id=housing,
        due_on=DUE,
    )
    await set_handoff(
        world,
        h,
        "housing",
        returned_at=hours(10),
        return_reason="not_ours",
        return_outcome="accepted",
    )
    await press(
        world,
        workflow.hand_off,
        h,
        12,
        chat=G5_CHAT,
        expected="handed_off",
        department_id=water,
        due_on=DUE,
    )
    await set_handoff(world, h, "water", signed_at=hours(40))
    await set_survey(world, h, satisfaction="no_answer")

    i = await new("I", "xiaodian")
    await press(world, workflow.accept, i, 1, expected="new")
    await press(
        world, workflow.hand_off, i, 2, expected="accepted", department_id=housing, due_on=DUE
    )
    await set_handoff(
        world,
        i,
        "housing",
        signed_at=hours(3),
        returned_at=hours(4),
        return_reason="not_ours",
        return_outcome="overruled",
    )
    await set_survey(world, i)

    j = await new(
        "J", "youyue", category="clue", description="社区干部优亲厚友，低保名额给了亲戚。"
    )
    await press(
        world, workflow.transfer, j, 1, chat=G5_CHAT, expected="new", department_id=discipline
    )

    k = await new("K", "youyue")
    await press(world, workflow.accept, k, 1, chat=G5_CHAT, expected="new")
    await press(
        world,
        workflow.hand_off,
        k,
        2,
        chat=G5_CHAT,
        expected="accepted",
        department_id=water,
        due_on=DUE,
    )
    await set_handoff(world, k, "water", returned_at=hours(5), return_reason="unclear")
    return RatesRound(ids)


async def _number(world: World, complaint_id: int) -> str:
    """A complaint's tracking number."""
    async with world.database.transaction() as session:
        complaint = await session.get(Complaint, complaint_id)
        assert complaint is not None
        return complaint.number
