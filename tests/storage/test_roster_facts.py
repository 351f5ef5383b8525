"""The roster's facts cached per process: a roster load, in this process or another, is seen."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import villages
from storage.db import Database
from tests.storage.test_roster import edited, load

# Inside the fixture's round.
NOW = datetime(2023, 3, 14, 2, 0, tzinfo=UTC)


async def village_name(database: Database, code: str) -> str | None:
    """The village's name as the resident's conversation reads it (through the cache)."""
    async with database.transaction() as session:
        village = await villages.village_by_code(session=session, code=code)
        return village.name if village is not None else None


async def test_a_load_by_another_process_is_seen_at_the_next_transaction(
    database_url: str,
) -> None:
    bot, operator = Database(database_url), Database(database_url)
    try:
        await load(operator)
        assert await village_name(bot, "yuejia") == "岳家村"
        # The operator's `xuncha roster load` is another engine, as another process would be.
        await load(operator, edited(("name: 岳家村", "name: 岳家新村")))
        assert await village_name(bot, "yuejia") == "岳家新村"
        # Loading the same file again changes nothing, and the cache stays as it was.
        await load(operator, edited(("name: 岳家村", "name: 岳家新村")))
        assert await village_name(bot, "yuejia") == "岳家新村"
    finally:
        await bot.dispose()
        await operator.dispose()


async def test_coverage_follows_a_load_that_moves_a_village(database_url: str) -> None:
    database = Database(database_url)
    try:
        await load(database)
        async with database.transaction() as session:
            yuejia = await villages.village_by_code(session=session, code="yuejia")
            assert yuejia is not None and yuejia.id is not None
            before = await villages.open_coverage(session=session, village_id=yuejia.id, now=NOW)
            assert before is not None
        await load(database, edited(("ends_on: 2023-04-12", "ends_on: 2023-03-01")))
        async with database.transaction() as session:
            # The round now ended before NOW: nothing covers the village.
            assert (
                await villages.open_coverage(session=session, village_id=yuejia.id, now=NOW)
                is None
            )
    finally:
        await database.dispose()
