"""指派 and /mine in a group chat, and /join: who is on a complaint (承办人).

The card's 指派 button offers the members the bot has seen act in the chat (or who sent
/join); a member's press assigns it (storage/workflow/assigning.py), and the card shows
承办人. `/mine` lists the sender's open complaints.
"""

from __future__ import annotations

from html import escape

from handlers.group import cards, keyboards
from handlers.group.base import Desk, group_handler
from handlers.group.commands import _group_role, _list
from handlers.group.refusals import refusal_text
from storage import members, workflow
from storage.triage import CardView
from storage.workflow import Press, Refusal


async def choose(desk: Desk, view: CardView, expected: str, reply_to: int | None) -> str:
    """The members to assign the complaint to, as a choice under the card."""
    found = await members.members(session=desk.session, group_id=view.group_id)
    markup = keyboards.members(desk.language, view.complaint_id, expected, found)
    desk.send(
        desk.text("ladder.assign.choose", number=escape(view.number)), markup, reply_to=reply_to
    )
    return desk.text("ladder.assign.hint")


async def chosen(desk: Desk, view: CardView, expected: str, telegram_id: int) -> str:
    """A member chosen on a checked card: the complaint is theirs (checked again in storage)."""
    press = Press(desk.session, view.complaint_id, desk.chat_id, desk.actor, desk.now, expected)
    outcome = await workflow.assign(press, telegram_id=telegram_id)
    if outcome.refusal == Refusal.invalid:
        return desk.text("ladder.assign.unknown_member")
    if outcome.refusal == Refusal.nothing_to_do:
        return desk.text("ladder.assign.already", name=outcome.detail or "")
    if not outcome.ok or outcome.complaint is None:
        return refusal_text(desk, outcome)
    name = outcome.complaint.assignee_name or ""
    desk.replace(desk.text("ladder.assign.done", number=escape(view.number), name=escape(name)))
    return desk.text("ladder.assign.answer", number=view.number, name=name)


@group_handler
async def on_join(desk: Desk) -> None:
    """/join: the sender can now be assigned complaints in this group's chat."""
    role = _group_role(desk)
    if role is None or role.group_id is None:
        return
    await members.seen(
        session=desk.session,
        group_id=role.group_id,
        telegram_id=desk.user.id,
        name=desk.user.full_name,
        now=desk.now,
        joined=True,
    )
    desk.reply(desk.text("ladder.join.done", name=escape(desk.user.full_name)))


@group_handler
async def on_mine(desk: Desk) -> None:
    """/mine: the sender's open complaints in this group (assigned to them), oldest first."""
    role = _group_role(desk)
    if role is None or role.group_id is None:
        return
    found = await members.assigned(
        session=desk.session, group_id=role.group_id, telegram_id=desk.user.id
    )
    if not found:
        desk.reply(desk.text("ladder.mine.none"))
        return
    language = desk.language
    lines = [
        desk.text(
            "ladder.mine.line",
            number=escape(view.number),
            status=cards.status_name(language, view.status),
            village=escape(view.village),
            category=cards.category_name(language, view),
            due=cards.day(view.due_on) if view.due_on is not None else "—",
        )
        for view in found
    ]
    title = desk.text("ladder.mine.title", count=len(found))
    desk.reply(_list(desk, title, lines, "group.list.more"))
