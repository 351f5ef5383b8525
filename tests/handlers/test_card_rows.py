"""A retired department card's clear_buttons row and a duplicate card's mark_stale row,
rendered when sent."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from handlers import outbox_views
from handlers.calls import MAX_TEXT, units
from storage import outbox, workflow
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


async def test_a_long_duplicate_card_keeps_its_text_cut_to_fit_under_the_stale_line(
    database: Database,
) -> None:
    await example_world(database)
    filed = await file(database, 1001)
    assert filed.id is not None
    async with database.transaction() as session:
        row = outbox.enqueue_mark_stale(
            session=session,
            chat_id=WATER_CHAT,
            message_id=900,
            text="水" * 3000 + "<b>" * 400,
            language="zh",
            now=NOW,
            complaint_id=filed.id,
        )
        (call,) = await outbox_views.render(session=session, row=row)
    assert call.method == "editMessageText" and "reply_markup" not in call.params
    assert call.params["message_id"] == 900
    text = call.params["text"]
    assert text.startswith("水" * 3000) and "<b>" not in text
    assert text.endswith("…\n\n此卡片已过期，请看最新的卡片。")
    assert units(text) <= MAX_TEXT
