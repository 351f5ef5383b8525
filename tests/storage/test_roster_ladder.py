"""A roster's 督办阶梯 (`ladder:`) and 派单目录 (`dispatch:`): stored, defaulted, refused."""

from __future__ import annotations

from datetime import time

import pytest
from sqlmodel import select

from storage.db import Database
from storage.ladder import DEFAULT, Ladder, ladder_of
from storage.models import Category, Round
from storage.roster import RosterError, load_roster, parse_roster
from tests.helpers.rosters import example_roster, roster_with_dispatch


async def load(database: Database, text: str) -> None:
    async with database.transaction() as session:
        await load_roster(session=session, text=text, source="roster.yaml")


async def test_the_ladder_and_the_dispatch_catalogue_are_stored(database: Database) -> None:
    await load(
        database,
        roster_with_dispatch(
            extra="\nladder: {at: '08:15', then_every: 1}\n"
            "dispatch:\n  water: {department: water, due_days: 3}\n"
            "  environment: {department: housing}\n"
        ),
    )
    async with database.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
        categories = {c.code: c for c in (await session.exec(select(Category))).all()}
    assert ladder_of(round_) == Ladder(at=time(8, 15), then_every=1)
    water, environment, road = categories["water"], categories["environment"], categories["road"]
    assert (water.department_code, water.due_days) == ("water", 3)
    # Its due days are the category's own when the entry gives none.
    assert (environment.department_code, environment.due_days) == ("housing", 7)
    assert road.department_code is None


async def test_without_them_the_defaults(database: Database) -> None:
    await load(database, example_roster())
    async with database.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
        categories = (await session.exec(select(Category))).all()
    assert round_.ladder is None
    assert ladder_of(round_) == DEFAULT
    assert {c.department_code for c in categories} == {None}


def test_the_default_ladder_days() -> None:
    reminded = [days for days in range(-3, 15) if DEFAULT.reminds_on(days)]
    assert reminded == [-1, 1, 2, 3, 5, 7, 9, 11, 13]
    assert [d for d in range(10) if DEFAULT.in_office_report(d)] == [3, 4, 5, 6, 7, 8, 9]
    assert [d for d in range(10) if DEFAULT.flagged(d)] == [7, 8, 9]


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        pytest.param(
            "dispatch:\n  water: {department: roads}\n",
            "dispatch.water.department",
            "department 'roads' is not in departments:",
            id="unknown-department",
        ),
        pytest.param(
            "dispatch:\n  weather: {department: water}\n",
            "dispatch.weather",
            "category 'weather' is not one of the round's",
            id="unknown-category",
        ),
        pytest.param(
            "dispatch:\n  clue: {department: discipline}\n",
            "dispatch.clue",
            "is sensitive: it is only transferred, never handed off",
            id="sensitive-category",
        ),
        pytest.param(
            "dispatch:\n  water: {department: water, due_days: 0}\n",
            "dispatch.water.due_days",
            "must be at least 1",
            id="due-days-zero",
        ),
        pytest.param(
            "ladder:\n  at: '9 am'\n",
            "ladder.at",
            "must match",
            id="bad-time",
        ),
        pytest.param(
            "ladder:\n  then_every: 0\n",
            "ladder.then_every",
            "must be at least 1",
            id="every-zero-days",
        ),
        pytest.param(
            "ladder:\n  flag_after: 7\n",
            "ladder.flag_after",
            "is not a known field",
            id="unknown-key",
        ),
    ],
)
def test_a_bad_entry_is_refused_with_its_line_and_field(
    extra: str, field: str, message: str
) -> None:
    text = example_roster() + "\n" + extra
    with pytest.raises(RosterError) as caught:
        parse_roster(text, "roster.yaml")
    (problem,) = caught.value.problems
    assert problem.field == field
    assert message in problem.message
    assert problem.source == "roster.yaml"
    # The line of the entry itself (the file's last lines).
    lines = text.splitlines()
    assert problem.line is not None and problem.line > len(lines) - 3, (problem.line, len(lines))
