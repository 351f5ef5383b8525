"""What the outbox sender reads: due chats and the cards a burst may combine."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from storage import outbox
from storage.db import Database
from storage.models import InspectionGroup, OutboxMessage
from tests.helpers import factories
from tests.helpers.factories import G3_CHAT, NOW


async def test_a_burst_never_takes_cards_of_a_group_the_chat_no_longer_serves(
    database: Database,
) -> None:
    world = await factories.example_world(database)
    old = await factories.file(database, 7001, village="xiaodian")  # g3, named
    # The chat is moved from g3 to g5 before g3's card went out.
    async with database.transaction() as session:
        await session.exec(update(InspectionGroup).values(chat_id=None))
        await session.exec(
            update(InspectionGroup)
            .where(col(InspectionGroup.id) == world.groups["g5"].id)
            .values(chat_id=G3_CHAT)
        )
    new = await factories.file(database, 7002, village="youyue")  # g5
    async with database.transaction() as session:
        cards = await outbox.unsent_cards(session=session, chat_id=G3_CHAT, limit=50)
    assert [card.id for card in cards] == [new.group_card_id]
    assert old.group_card_id not in [card.id for card in cards]


async def test_a_chat_waiting_out_a_retry_takes_no_worker(database: Database) -> None:
    async with database.transaction() as session:
        waiting = outbox.enqueue_call(
            session=session, chat_id=1, method="sendMessage", params={}, now=NOW
        )
        outbox.enqueue_call(session=session, chat_id=1, method="sendMessage", params={}, now=NOW)
        outbox.enqueue_call(session=session, chat_id=2, method="sendMessage", params={}, now=NOW)
        await outbox.write_queued(session=session)
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == waiting.id)
            .values(next_attempt_at=NOW + timedelta(minutes=5))
        )
    async with database.transaction() as session:
        assert await outbox.due_chats(session=session, now=NOW) == [2]
        later = NOW + timedelta(minutes=6)
        assert await outbox.due_chats(session=session, now=later) == [1, 2]


async def test_a_queued_row_is_the_row_sqlmodel_would_make_and_is_stored_so(
    database: Database,
) -> None:
    values: dict[str, Any] = {
        "created_at": NOW,
        "chat_id": 5,
        "kind": outbox.API,
        "payload": {"method": "sendMessage", "params": {"text": "一"}},
        "complaint_id": None,
        "next_attempt_at": NOW,
        "priority": 1,
    }
    made = outbox.new_row(**values)
    assert made.model_dump() == OutboxMessage(**values).model_dump()
    assert made.model_fields_set == set(values)
    async with database.transaction() as session:
        queued = outbox.enqueue_call(
            session=session, chat_id=5, method="sendMessage", params={"text": "一"}, now=NOW
        )
        await outbox.write_queued(session=session)
        assert queued.id is not None
        # Nothing of it for the ORM to write again.
        assert not session.new and not session.dirty
    async with database.transaction() as session:
        stored = await session.get(OutboxMessage, queued.id)
        assert stored is not None
        assert stored.model_dump() == queued.model_dump()
