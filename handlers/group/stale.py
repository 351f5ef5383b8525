"""Presses on a card message that is not the complaint's card any more (a duplicate).

An at-least-once send can leave two cards of one complaint in a chat (the first call's answer
lost, the card sent again); the database records the second. A press on the other one is
answered "out of date", and that message keeps its text, gains a line saying so and loses its
buttons (through the outbox); the complaint does not change.
"""

from __future__ import annotations

from handlers.group.base import Desk
from storage import cards


async def stale_press(desk: Desk, complaint_id: int) -> str | None:
    """The answer to a press on a message that is not the complaint's card in this chat, which
    is then marked out of date (None: it is the card, or no card is recorded here).

    A card is sent as a message of its own; a copy that replies to something (/find's answer,
    a burst's "show full card") is a view of the complaint asked for, never out of date.
    """
    pressed = desk.pressed
    if pressed is None or pressed.reply_to_message is not None:
        return None
    stale = await cards.mark_if_stale(
        session=desk.session,
        complaint_id=complaint_id,
        chat_id=desk.chat_id,
        message_id=pressed.message_id,
        text=pressed.text or "",
        language=desk.language,
        now=desk.now,
    )
    return desk.text("card.stale") if stale else None
