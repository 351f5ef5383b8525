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
    `update_id`, `processed_at`)."""
    table: Any = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values: dict[str, Any] = {
        "update_id": bindparam("update_id", type_=table.c.update_id.type),
        "processed_at": bindparam("processed_at", type_=table.c.processed_at.type),
    }
    return insert(table).values(values).on_conflict_do_nothing().returning(table.c.update_id)


async def claim(*, session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Mark the update handled, first thing in its transaction; False when it already was.

    One statement instead of a look-up and a later insert: it commits with the update's effects
    or rolls back with them. A second copy in flight waits on the first one's row (PostgreSQL)
    or on the write lock (SQLite), and then finds it.
    """
    statement = _claim(session.get_bind().dialect.name)
    params = {"update_id": update_id, "processed_at": now}
    return (await session.exec(statement, params=params)).first() is not None


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
