"""What the health endpoint reads from the database: the schema's revision, the outbox's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.migrate import alembic_config
from storage.models import OutboxMessage, OutboxStatus
from storage.serving import lost_chat_ids


def head_revisions() -> frozenset[str]:
    """The revisions this version of the code migrates to (Alembic's heads; one in practice)."""
    # The URL is not used: only the migration scripts are read.
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def schema_revisions(*, session: AsyncSession) -> frozenset[str]:
    """The revisions the database is at (empty before the first migration)."""

    def current(connection: Connection) -> frozenset[str]:
        return frozenset(MigrationContext.configure(connection).get_current_heads())

    connection = await session.connection()
    return await connection.run_sync(current)


@dataclass(frozen=True)
class OutboxHealth:
    """The outbox as an operator watches it: rows by status, and how long the oldest waits."""

    by_status: dict[str, int]
    # Pending rows addressed to a chat the bot was removed from (they wait for it, by design).
    waiting: int
    # Seconds since the oldest pending row (not waiting for a lost chat) was written; None
    # when nothing is pending.
    oldest_pending_age: float | None


async def outbox_health(*, session: AsyncSession, now: datetime) -> OutboxHealth:
    """Count the outbox's rows by status and age its oldest pending row at `now`."""
    rows = (
        await session.exec(
            select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        )
    ).all()
    by_status = {status.value: 0 for status in OutboxStatus} | {str(s): n for s, n in rows}
    lost = col(OutboxMessage.chat_id).in_(lost_chat_ids())
    pending = OutboxMessage.status == OutboxStatus.pending
    waiting = (await session.exec(select(func.count()).where(pending, lost))).one()
    oldest = (
        await session.exec(select(func.min(OutboxMessage.created_at)).where(pending, ~lost))
    ).one()
    age = None if oldest is None else max((now - oldest).total_seconds(), 0.0)
    return OutboxHealth(by_status=by_status, waiting=waiting, oldest_pending_age=age)
