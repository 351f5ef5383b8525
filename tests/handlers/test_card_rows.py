"""A retired department card's clear_buttons row, rendered when sent."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from handlers import outbox_views
from storage import workflow
from storage.db import Database
from storage.models import CardMessage, OutboxMessage
from storage.outbox import CLEAR_BUTTONS
from storage.workflow import Actor
from tests.helpers.factories import NOW, WATER_CHAT, act, example_world, file

INSPECTOR = Actor("inspector", 42, "王组长")


async def test_a_passed_on_hand_off_empties_the_old_cards_keyboard(database: Database) -> None:
    world = await example_world(database)
    filed = await file(database, 1001)
    assert filed.id is not None
    for expected, department in (("new", "water"), ("handed_off", "discipline")):
        await act(
            world,
            workflow.hand_off,
            filed.id,
            actor=INSPECTOR,
            now=NOW,
            expected=expected,
            department_id=world.department_id(department),
            due_on=NOW.date() + timedelta(days=3),
        )
        if department == "water":
            async with database.transaction() as session:
                for card in (await session.exec(select(CardMessage))).all():
                    card.message_id = card.message_id or 900
                    session.add(card)
    async with database.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.kind == CLEAR_BUTTONS)
        row = (await session.exec(statement)).one()
        made = await outbox_views.render(session=session, row=row)
    assert [(call.method, call.params) for call in made] == [
        (
            "editMessageReplyMarkup",
            {"chat_id": WATER_CHAT, "message_id": 900, "reply_markup": {"inline_keyboard": []}},
        )
    ]
