"""指派: an inspector assigns a complaint to a member of the group's chat (承办人)."""

from __future__ import annotations

from storage import lifecycle, members
from storage.lifecycle import Act, Role
from storage.workflow import steps
from storage.workflow.base import Action, Outcome, Press, Refusal, press_action
from storage.workflow.publish import publish


@press_action
async def assign(press: Press, *, telegram_id: int) -> Outcome:
    """The complaint's 承办人 is now this member (seen in the group's chat); no status change.

    Only from the group's own chat, while the card's status is still the complaint's and the
    lifecycle offers 指派 in it; someone the bot has not seen in that chat is refused
    ("unknown_member"), the same member again changes nothing. An internal event; the card
    refreshes.
    """
    complaint = await steps.pressed_on(press, finished=False)
    if isinstance(complaint, Outcome):
        return complaint
    if press.expected and complaint.status != press.expected:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if not lifecycle.allows(complaint.status, Role.group, Act.assign):
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    found = await members.member(
        session=press.session, group_id=complaint.group_id, telegram_id=telegram_id
    )
    if found is None:
        return Outcome(complaint, Refusal.invalid, "unknown_member")
    if complaint.assignee_telegram_id == telegram_id:
        return Outcome(complaint, Refusal.nothing_to_do, found.name)
    complaint.assignee_telegram_id = telegram_id
    complaint.assignee_name = found.name
    complaint.updated_at = press.now
    event = await steps.record(
        press.session,
        complaint,
        press.actor,
        Action.assigned,
        press.now,
        public=False,
        note=found.name,
    )
    await publish(press.session, complaint, event, press.now)
    return Outcome(complaint, event_id=event.id)
