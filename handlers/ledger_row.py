"""Outbox rows of kind "ledger": the /export file, written from a snapshot and kept for retries.

Its file takes long to write, so the sender calls `render_ledger` from a read-only snapshot,
outside its write transaction, and keeps the calls made with `with_rendered` in the row, so
that a retry sends the same file instead of writing another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import stats
from handlers.calls import Call
from storage.models import OutboxMessage

# Payload key of a ledger row: the calls its file went out with, [[method, params], ...].
RENDERED = "rendered"


async def render_ledger(*, session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The calls of a ledger row: kept from an earlier attempt, or with a newly written file.

    `session` is a read-only snapshot: writing the file takes long. Kept calls are reused
    while their files are there and they go to the row's chat (a migrated chat's row has a
    new id, and the kept reply is to a message of the old chat), and only while the chat
    still serves what it asked for (identities must not reach a chat relinked meanwhile).
    """
    if not await stats.ledger_wanted(session=session, chat_id=row.chat_id, payload=row.payload):
        return []
    kept = row.payload.get(RENDERED)
    if isinstance(kept, list) and kept:
        calls = [Call(str(method), dict(params)) for method, params in kept]
        if all(
            call.params.get("chat_id") == row.chat_id and _files_present(call.params)
            for call in calls
        ):
            return calls
    assert row.id is not None
    return await stats.ledger_document(
        session=session, chat_id=row.chat_id, row_id=row.id, payload=row.payload
    )


def with_rendered(payload: dict[str, Any], calls: list[Call]) -> dict[str, Any]:
    """A ledger row's payload keeping `calls` for a retry (unchanged when nothing is new)."""
    if not calls:
        return payload
    return {**payload, RENDERED: [[call.method, call.params] for call in calls]}


def _files_present(params: dict[str, Any]) -> bool:
    """Whether every local file a call uploads ({"local_file": PATH}) is still there."""
    return all(
        Path(value["local_file"]).is_file()
        for value in params.values()
        if isinstance(value, dict) and "local_file" in value
    )
