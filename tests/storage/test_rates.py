"""The three rates (storage/rates.py) on a hand-made round, against figures worked out by hand.

The round (tests/helpers/rates_round.py), hours after NOW, read at NOW + 100 h:

| | village | group's first act | hand-off | 回访 |
| --- | --- | --- | --- | --- |
| A | 小店村 g3 | accepted 2 h | water 3 h, signed 5 h | solved, satisfied |
| B | 小店村 g3 | accepted 30 h | water 31 h, never signed | partly, basic |
| C | 岳家村 g3 | immediate 1 h | | unsolved, unsatisfied |
| D | 岳家村 g3 | rejected 23 h | | |
| E | 优越社区 g5 | none | | |
| F | 优越社区 g5 | none, filed at 98 h | | |
| G | 小店村 g3 | merged into A 1 h | | |
| H | 优越社区 g5 | accepted 1 h | housing 2 h, returned 10 h, return accepted; | no answer |
| | | | then water 12 h, signed 40 h | (closed after 7 days) |
| I | 小店村 g3 | accepted 1 h | housing 2 h, signed 3 h, returned 4 h, overruled | waiting |
| J | 优越社区 g5 | transferred 1 h (a clue) | (clue: not a hand-off) | |
| K | 优越社区 g5 | accepted 1 h | water 2 h, returned 5 h, group not decided | |
"""

from __future__ import annotations

import pytest

from storage import rates
from storage.db import Database
from storage.rates import Rates, RoundRates
from tests.helpers.factories import World, example_world
from tests.helpers.rates_round import READ_AT, RatesRound, play_rates_round


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


@pytest.fixture
async def played(world: World) -> RatesRound:
    return await play_rates_round(world)


async def read(world: World, group: str | None = None) -> RoundRates:
    group_id = world.groups[group].id if group is not None else None
    async with world.database.transaction() as session:
        return await rates.round_rates(
            session=session, round_id=world.round_id, now=READ_AT, group_id=group_id
        )


def by_name(units: list[rates.UnitRates]) -> dict[str, Rates]:
    return {unit.name: unit.rates for unit in units}


def response(figures: Rates) -> tuple[int, int, int]:
    return figures.responded, figures.not_responded, figures.awaiting


async def test_the_round_overall(world: World, played: RatesRound) -> None:
    figures = (await read(world)).overall
    # 响应率: G (merged) is left out; F is still inside its 24 hours (filed at 98 h, read at
    # 100 h): awaiting. Responded within 24 h: A (2 h), C (1 h), D (23 h), H, I, J, K (1 h) = 7;
    # not: B (30 h), E (none in 100 h) = 2. 7 / (7 + 2) = 7/9.
    assert response(figures) == (7, 2, 1)
    assert figures.response_rate == pytest.approx(7 / 9)
    # 解决率: answers A solved, B partly, C unsolved: 1 / 3.
    assert figures.resolution == {"solved": 1, "partly": 1, "unsolved": 1}
    assert figures.resolution_rate == pytest.approx(1 / 3)
    # 满意率: A satisfied + B basic among A, B, C (C unsatisfied): 2 / 3.
    assert figures.satisfaction == {"satisfied": 1, "basic": 1, "unsatisfied": 1}
    assert figures.satisfaction_rate == pytest.approx(2 / 3)
    # Not answered, counted apart: H closed without an answer; I still waiting.
    assert (figures.no_answer, figures.survey_waiting) == (1, 1)


async def test_per_group_and_per_village(world: World, played: RatesRound) -> None:
    figures = await read(world)
    groups = by_name(figures.groups)
    g3, g5 = world.groups["g3"].name, world.groups["g5"].name
    # g3: A, C, D, I responded; B not (G merged, left out): 4 / 5.
    assert response(groups[g3]) == (4, 1, 0)
    assert groups[g3].response_rate == pytest.approx(4 / 5)
    # g3's 回访: A solved, B partly, C unsolved: 1/3 solved; 2/3 satisfied; I waiting.
    assert groups[g3].resolution_rate == pytest.approx(1 / 3)
    assert groups[g3].satisfaction_rate == pytest.approx(2 / 3)
    assert (groups[g3].no_answer, groups[g3].survey_waiting) == (0, 1)
    # g5: H, J, K responded; E not; F awaiting: 3 / 4. Its only 回访 (H) went unanswered:
    # no rate, one no_answer.
    assert response(groups[g5]) == (3, 1, 1)
    assert groups[g5].response_rate == pytest.approx(3 / 4)
    assert groups[g5].resolution_rate is None and groups[g5].satisfaction_rate is None
    assert groups[g5].no_answer == 1

    villages = by_name(figures.villages)
    # 小店村: A, I responded, B not (G merged): 2 / 3. 岳家村: C, D: 2 / 2. 优越社区 as g5.
    assert response(villages["小店村"]) == (2, 1, 0)
    assert response(villages["岳家村"]) == (2, 0, 0)
    assert villages["岳家村"].response_rate == 1.0
    assert response(villages["优越社区"]) == (3, 1, 1)
    # 岳家村's 回访: C unsolved, unsatisfied: 0 / 1 and 0 / 1.
    assert villages["岳家村"].resolution_rate == 0.0
    assert villages["岳家村"].satisfaction_rate == 0.0


async def test_per_department(world: World, played: RatesRound) -> None:
    figures = await read(world)
    departments = by_name(figures.departments)
    water = departments[world.departments["water"].name]
    housing = departments[world.departments["housing"].name]
    discipline = departments[world.departments["discipline"].name]
    # Water: A signed 2 h after the hand-off (responded); B never signed in 69 h (not); H's
    # second hand-off signed after 28 h (not); K returned, the group has not decided
    # (awaiting). 1 / 3.
    assert response(water) == (1, 2, 1)
    assert water.response_rate == pytest.approx(1 / 3)
    # Housing: H's return was accepted (left out); I was signed in time but its return was
    # overruled (counts against it). 0 / 1.
    assert response(housing) == (0, 1, 0)
    assert housing.response_rate == 0.0
    # The discipline commission got only a clue (J): no hand-off, no figure.
    assert response(discipline) == (0, 0, 0) and discipline.response_rate is None
    # Water's 回访 (complaints last handed to it): A solved/satisfied, B partly/basic, H no
    # answer, K not asked. 解决率 1 / 2, 满意率 2 / 2.
    assert water.resolution == {"solved": 1, "partly": 1, "unsolved": 0}
    assert water.resolution_rate == pytest.approx(1 / 2)
    assert water.satisfaction_rate == 1.0
    assert water.no_answer == 1
    # Housing's 回访: I (last handed to it, overruled) is still waiting.
    assert housing.survey_waiting == 1 and housing.resolution_rate is None
    # All hand-offs together: water's and housing's.
    assert response(figures.handoffs) == (1, 3, 1)


async def test_one_groups_figures_and_the_ranking(world: World, played: RatesRound) -> None:
    g5 = await read(world, "g5")
    # Only g5's complaints: E, F, H, J, K.
    assert [unit.name for unit in g5.groups] == [world.groups["g5"].name]
    assert response(g5.overall) == (3, 1, 1)
    departments = by_name(g5.departments)
    # H's second hand-off to water (signed after 28 h) and K's (awaiting); H's to housing left
    # out (return accepted).
    assert response(departments[world.departments["water"].name]) == (0, 1, 1)
    assert response(departments[world.departments["housing"].name]) == (0, 0, 0)

    ranking = rates.ranked((await read(world)).groups)
    # g3 4/5 = 80 % ahead of g5 3/4 = 75 %.
    assert [unit.name for unit in ranking] == [world.groups["g3"].name, world.groups["g5"].name]
    ranking = rates.ranked((await read(world)).departments)
    # Water 1/3 ahead of housing 0/1; the discipline commission has nothing to show.
    assert [unit.name for unit in ranking] == [
        world.departments["water"].name,
        world.departments["housing"].name,
    ]
