"""The buttons of a card: an action at once, a choice (department, due date), or a prompt.

Handlers never edit a card: the workflow queues the card's refresh in the transaction of the
change. What a handler does is answer the press (always, after commit), send a choice or a
reply prompt into the chat, and replace a choice message once its choice is made.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import escape
from zoneinfo import ZoneInfo

from handlers.group import assigning, cards, keyboards, prompts
from handlers.group.base import Desk, group_handler
from handlers.group.keyboards import CODE_STATUS, Act
from handlers.group.refusals import explain, invalid_text, refusal_text
from handlers.group.stale import stale_press
from storage import triage, villages, workflow
from storage.models import Department
from storage.triage import CardView
from storage.workflow import Outcome, Press, Refusal

# Buttons that ask for a reply: the prompt's action (Prompt.action) by button.
PROMPTED: dict[Act, str] = {
    Act.reject: prompts.REJECT,
    Act.merge: prompts.MERGE,
    Act.ask: prompts.ASK,
    Act.resolve: prompts.RESOLVE,
    Act.note: prompts.NOTE,
    Act.insist: prompts.INSIST,
}


# --- checks ------------------------------------------------------------------------------


def check(desk: Desk, view: CardView | None, act: Act, expected: str) -> str | None:
    """Why this press cannot go ahead (None: it can): the card's chat, its status, and what
    the lifecycle lets the group chat do in that status (the card's buttons)."""
    if view is None:
        return explain(desk, Refusal.not_found)
    if view.group_chat_id != desk.chat_id:
        return explain(desk, Refusal.wrong_chat)
    if view.status != expected:
        return explain(desk, Refusal.moved_on, view.status)
    if act not in keyboards.actions_for(view.status, view.sensitive, view.return_pending):
        return explain(desk, Refusal.not_allowed)
    return None


def press(desk: Desk, complaint_id: int, expected: str = "") -> Press:
    """The press on a card of this chat, by this inspector, now."""
    return Press(desk.session, complaint_id, desk.chat_id, desk.actor, desk.now, expected)


def on_pressed(desk: Desk) -> bool:
    """Whether the pressed data is one of the pressed message's own buttons (a real press)."""
    pressed, query = desk.pressed, desk.update.callback_query
    if pressed is None or query is None or pressed.reply_markup is None:
        return False
    return any(
        button.callback_data == query.data
        for row in pressed.reply_markup.inline_keyboard
        for button in row
    )


def due_on(desk: Desk, view: CardView, days: int) -> date:
    """`days` from today on the round's clock."""
    today = desk.now.astimezone(ZoneInfo(view.timezone)).date()
    return today + timedelta(days=days)


async def default_days(desk: Desk, view: CardView) -> int | None:
    """The category's default due time, in days."""
    categories = await villages.categories(session=desk.session, round_id=view.round_id)
    found = next((c for c in categories if c.code == view.category_code), None)
    return found.due_days if found is not None else None


async def default_department(desk: Desk, view: CardView) -> str | None:
    """The category's 派单目录 department (its code), offered first."""
    categories = await villages.categories(session=desk.session, round_id=view.round_id)
    found = next((c for c in categories if c.code == view.category_code), None)
    return found.department_code if found is not None else None


# --- the dispatcher -----------------------------------------------------------------------


@group_handler
async def on_button(desk: Desk) -> str | None:
    """Every `cmp:` button of the group chat; anything that does not parse is forged."""
    query = desk.update.callback_query
    data = query.data if query is not None and query.data else ""
    if found := keyboards.ACTION.match(data):
        return await action(desk, Act(found[1]), int(found[2]), CODE_STATUS[found[3]])
    if found := keyboards.DEPARTMENT.match(data):
        return await department_chosen(
            desk, int(found[1]), CODE_STATUS[found[2]], found[3], int(found[4])
        )
    if found := keyboards.DUE.match(data):
        return await due_chosen(
            desk, int(found[1]), CODE_STATUS[found[2]], found[3], int(found[4]), int(found[5])
        )
    if found := keyboards.EXTENSION.match(data):
        return await extension_answered(desk, int(found[1]), int(found[2]), found[3] == "y")
    if found := keyboards.MEMBER.match(data):
        return await member_chosen(desk, int(found[1]), CODE_STATUS[found[2]], int(found[3]))
    if found := keyboards.SHOW.match(data):
        return await show(desk, int(found[1]))
    if found := keyboards.MERGE_INTO.match(data):
        return await merge_into(desk, int(found[1]), CODE_STATUS[found[2]], int(found[3]))
    if keyboards.CANCEL.match(data):
        return cancel(desk)
    return desk.text("action.refused.forged")


# Buttons that make their change at once (no choice, no text), and the answer they give.
DIRECT_MOVES: dict[Act, tuple[workflow.PressAction[[]], str]] = {
    Act.accept: (workflow.accept, "action.done.accept"),
    Act.reconsider: (workflow.reconsider, "action.done.reconsider"),
    Act.close: (workflow.close, "action.done.close"),
}


async def action(desk: Desk, act: Act, complaint_id: int, expected: str) -> str | None:
    """A card's button."""
    session = desk.session
    # A duplicate card (not the one the database records) only gets marked out of date.
    if (stale := await stale_press(desk, complaint_id)) is not None:
        return stale
    # Every press first looks at the card: its chat, its status, what it offers this chat.
    view = await triage.card_view(session=session, complaint_id=complaint_id)
    problem = check(desk, view, act, expected)
    if problem is not None or view is None:
        return problem
    if act in DIRECT_MOVES:
        move, key = DIRECT_MOVES[act]
        return done(desk, await move(press(desk, complaint_id, expected)), key)
    if act == Act.take:
        outcome = await workflow.take(press(desk, complaint_id))
        if outcome.refusal == Refusal.nothing_to_do:
            return desk.text("action.refused.already_taken")
        return done(desk, outcome, "action.done.take")
    if act == Act.immediate:
        days = await default_days(desk, view)
        markup = keyboards.due_dates(desk.language, complaint_id, expected, "i", 0, days)
        text = desk.text("action.choose_due.immediate", number=escape(view.number))
        desk.send(text, markup, reply_to=pressed_id(desk))
        return desk.text("action.choose_due.hint")
    if act == Act.assign:
        return await assigning.choose(desk, view, expected, pressed_id(desk))
    if act in (Act.hand_off, Act.transfer):
        clues = act == Act.transfer
        items = await triage.departments(session=session, round_id=view.round_id, clues=clues)
        if not items:
            return desk.text("action.no_departments")
        kind = "t" if clues else "h"
        default = None if clues else await default_department(desk, view)
        markup = keyboards.departments(desk.language, complaint_id, expected, kind, items, default)
        key = "action.choose_department.transfer" if clues else "action.choose_department.hand_off"
        desk.send(desk.text(key, number=escape(view.number)), markup, reply_to=pressed_id(desk))
        return desk.text("action.choose_department.hint")
    prompt_action = PROMPTED.get(act)
    if prompt_action is None:
        return explain(desk, Refusal.not_allowed)
    await prompts.ask_for(desk, view, prompt_action, {"expected": expected}, pressed_id(desk))
    return desk.text("action.prompt_sent")


async def member_chosen(
    desk: Desk, complaint_id: int, expected: str, telegram_id: int
) -> str | None:
    """指派: a member chosen for a complaint, on the card's chat and status as shown."""
    if (stale := await stale_press(desk, complaint_id)) is not None:
        return stale
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    problem = check(desk, view, Act.assign, expected)
    if problem is not None or view is None:
        return problem
    return await assigning.chosen(desk, view, expected, telegram_id)


def pressed_id(desk: Desk) -> int | None:
    """The message id of the pressed message (the card), to reply to."""
    return desk.pressed.message_id if desk.pressed is not None else None


def done(desk: Desk, outcome: Outcome, key: str) -> str:
    """The answer to a press that made a change, or the refusal."""
    if not outcome.ok:
        return refusal_text(desk, outcome)
    number = outcome.complaint.number if outcome.complaint is not None else ""
    return desk.text(key, number=number)


def _department(items: list[Department], department_id: int) -> Department | None:
    """The department with this id among the ones offered."""
    return next((d for d in items if d.id == department_id), None)


async def department_chosen(
    desk: Desk, complaint_id: int, expected: str, kind: str, department_id: int
) -> str | None:
    """A department for a hand-off (then the due date) or a transfer (done at once)."""
    act = Act.transfer if kind == "t" else Act.hand_off
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    problem = check(desk, view, act, expected)
    if problem is not None or view is None:
        return problem
    items = await triage.departments(
        session=desk.session, round_id=view.round_id, clues=act == Act.transfer
    )
    department = _department(items, department_id)
    if department is None:
        return invalid_text(desk, "unknown_department")
    number, name = escape(view.number), escape(department.name)
    if act == Act.hand_off:
        days = await default_days(desk, view)
        markup = keyboards.due_dates(
            desk.language, complaint_id, expected, "h", department_id, days
        )
        text = desk.text("action.choose_due.hand_off", number=number, department=name)
        if on_pressed(desk):
            desk.replace(text, markup)
        else:
            desk.send(text, markup)
        return desk.text("action.choose_due.hint")
    outcome = await workflow.transfer(
        press(desk, complaint_id, expected), department_id=department_id
    )
    if not outcome.ok:
        return refusal_text(desk, outcome)
    text = desk.text("action.done.transfer", number=number, department=name)
    if on_pressed(desk):
        desk.replace(text)
    return desk.text("action.done.transfer", number=view.number, department=department.name)


async def due_chosen(
    desk: Desk, complaint_id: int, expected: str, kind: str, department_id: int, days: int
) -> str | None:
    """A due date: the immediate fix, or the hand-off to the department chosen before."""
    act = Act.hand_off if kind == "h" else Act.immediate
    if not 0 < days <= keyboards.MAX_DUE_DAYS:
        return desk.text("action.refused.forged")
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    problem = check(desk, view, act, expected)
    if problem is not None or view is None:
        return problem
    due = due_on(desk, view, days)
    if act == Act.immediate:
        outcome = await workflow.order_immediate(press(desk, complaint_id, expected), due_on=due)
        if not outcome.ok:
            return refusal_text(desk, outcome)
        html = desk.text("action.done.immediate", number=escape(view.number), date=cards.day(due))
        plain = desk.text("action.done.immediate", number=view.number, date=cards.day(due))
    else:
        outcome = await workflow.hand_off(
            press(desk, complaint_id, expected), department_id=department_id, due_on=due
        )
        if not outcome.ok:
            return refusal_text(desk, outcome)
        items = await triage.departments(session=desk.session, round_id=view.round_id)
        department = _department(items, department_id)
        name = department.name if department is not None else ""
        html = desk.text(
            "action.done.hand_off",
            number=escape(view.number),
            department=escape(name),
            date=cards.day(due),
        )
        plain = desk.text(
            "action.done.hand_off", number=view.number, department=name, date=cards.day(due)
        )
    if on_pressed(desk):
        desk.replace(html)
    return _plain(plain)


async def extension_answered(
    desk: Desk, complaint_id: int, handoff_id: int, approve: bool
) -> str | None:
    """同意 a department's 申请延期 at once, or 不同意: ask for the reason."""
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    if view is None:
        return explain(desk, Refusal.not_found)
    if view.group_chat_id != desk.chat_id:
        return explain(desk, Refusal.wrong_chat)
    handoff = view.handoff
    if handoff is None or handoff.id != handoff_id or handoff.ended_at is not None:
        return explain(desk, Refusal.moved_on, view.status)
    if handoff.extension_state != "pending":
        return desk.text("action.extension.answered")
    if not approve:
        details = {"handoff_id": handoff_id}
        await prompts.ask_for(desk, view, prompts.REFUSE, details, pressed_id(desk))
        return desk.text("action.prompt_sent")
    outcome = await workflow.approve_extension(
        press(desk, complaint_id, view.status), handoff_id=handoff_id
    )
    if outcome.refusal == Refusal.nothing_to_do:
        return desk.text("action.extension.answered")
    if not outcome.ok or outcome.complaint is None or outcome.complaint.due_on is None:
        return refusal_text(desk, outcome)
    due = cards.day(outcome.complaint.due_on)
    if on_pressed(desk):
        desk.replace(
            desk.text(
                "action.done.extension_approved",
                number=escape(view.number),
                date=due,
                who=escape(desk.user.full_name),
            )
        )
    return desk.text("action.extension.approved", date=due)


async def merge_into(desk: Desk, complaint_id: int, expected: str, target_id: int) -> str | None:
    """合并 at one press into a likely duplicate the card listed (workflow.merge checks it)."""
    if (stale := await stale_press(desk, complaint_id)) is not None:
        return stale
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    problem = check(desk, view, Act.merge, expected)
    if problem is not None or view is None:
        return problem
    target = await triage.card_view(session=desk.session, complaint_id=target_id)
    if target is None or target.group_id != view.group_id:
        return invalid_text(desk, "unknown_number")
    outcome = await workflow.merge(press(desk, complaint_id, expected), into_number=target.number)
    return done(desk, outcome, "action.done.merge")


async def show(desk: Desk, complaint_id: int) -> str | None:
    """The full card of one complaint of a burst, as a new message (this chat's only)."""
    if (stale := await stale_press(desk, complaint_id)) is not None:
        return stale
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    if view is None:
        return explain(desk, Refusal.not_found)
    if view.group_chat_id != desk.chat_id:
        return explain(desk, Refusal.wrong_chat)
    text, markup = cards.card(view, desk.language)
    desk.send(text, markup, reply_to=pressed_id(desk))
    return None


def cancel(desk: Desk) -> str | None:
    """Drop a choice: the choice message says so and loses its buttons."""
    if not on_pressed(desk):
        return desk.text("action.refused.forged")
    desk.replace(desk.text("action.cancelled"))
    return desk.text("action.cancelled")


_TAGS = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    """A catalog text without its HTML tags (callback answers are plain text)."""
    return _TAGS.sub("", text)
