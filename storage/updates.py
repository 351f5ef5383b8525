"""Which Telegram updates have been handled, so a second delivery changes nothing."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.fast_sql import FastStatement
from storage.models import ProcessedUpdate


@functools.cache
def _turn() -> Any:
    """The chat's advisory lock (parameter `key`), built once."""
    return select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))


async def take_turn(*, session: AsyncSession, key: int) -> None:
    """Wait until no other transaction handles an update of this chat (PostgreSQL: an
    advisory lock held to the end of the transaction; SQLite has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.exec(_turn(), params={"key": key})


async def is_processed(*, session: AsyncSession, update_id: int) -> bool:
    """Whether the effects of this update were already committed."""
    return await session.get(ProcessedUpdate, update_id) is not None


@functools.cache
def _claim(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING, built once per dialect (parameters
    `update_id`, `processed_at`, and on PostgreSQL `key`: the chat's turn is taken in the same
    statement, before its row is inserted)."""
    table: Any = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    update_id = bindparam("update_id", type_=table.c.update_id.type)
    processed_at = bindparam("processed_at", type_=table.c.processed_at.type)
    if dialect != "postgresql":
        values = {"update_id": update_id, "processed_at": processed_at}
        statement: Any = sqlite_insert(table).values(values)
    else:
        turn = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger))).subquery()
        rows = select(update_id, processed_at).select_from(turn)
        statement = pg_insert(table).from_select(["update_id", "processed_at"], rows)
    return statement.on_conflict_do_nothing().returning(table.c.update_id)


_CLAIM = FastStatement(_claim)


async def claim(*, session: AsyncSession, update_id: int, now: datetime, turn: int) -> bool:
    """Take the chat's turn (`take_turn`, key `turn`) and mark the update handled, first thing
    in its transaction and in one statement; False when it already was handled.

    It commits with the update's effects or rolls back with them. A second copy in flight waits
    for the first one's turn (PostgreSQL) or the write lock (SQLite), and then finds its row:
    ON CONFLICT looks at rows committed after the statement began, which a plain SELECT under
    the same lock would not see.
    """
    params = {"update_id": update_id, "processed_at": now, "key": turn}
    return bool(await _CLAIM.rows(session, params))


def mark_processed(*, session: AsyncSession, update_id: int, now: datetime) -> None:
    """Record the update as handled, in the same transaction as its effects."""
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))


# Telegram keeps an unconfirmed update for 24 hours, so none older than this comes again. And
# after a week without updates it starts numbering at random: an old id must not be remembered
# then, or a new update with it would be taken for a redelivery and ignored.
REMEMBER_FOR = timedelta(hours=48)


async def forget_old(*, session: AsyncSession, now: datetime) -> int:
    """Forget updates handled longer ago than REMEMBER_FOR; how many were forgotten."""
    statement = delete(ProcessedUpdate).where(
        col(ProcessedUpdate.processed_at) < now - REMEMBER_FOR
    )
    result = await session.exec(statement)
    return int(result.rowcount or 0)
