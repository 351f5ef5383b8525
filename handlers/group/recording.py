"""/record in a group's chat (登记群众反映, issue 11 §1): an inspector records a complaint told
to them in person (走访, 座谈会, 来电, 来信, 来访, 其他).

The questions are asked in the inspector's private chat with the bot, not in the group: the
same conversation as a resident's (handlers/resident/, a draft owned by the inspector with
`recorded_for_group_id`), so the bot needs no privacy-mode exception and the resident's name
and phone are never typed where the whole group chat reads them. Here the inspector, checked to
be a member of the linked chat, gets a button that opens that private chat (`?start=rec`).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.group.base import Desk, group_handler
from handlers.group.prompts import mention
from handlers.i18n import language_for, t
from handlers.members import Membership
from storage import drafts, residents
from storage.drafts import Recording

# The deep link's payload that continues a recorded draft in the private chat.
RECORD_PAYLOAD = "rec"


def private_link(desk: Desk, payload: str) -> str:
    """https://t.me/<bot>?start=<payload>, opening the bot's private chat."""
    return f"https://t.me/{desk.context.bot.username}?start={payload}"


@group_handler
async def on_record(desk: Desk) -> None:
    """Start (or go on with) recording a complaint heard in person; a member of a group's chat."""
    if desk.role is None:
        return None
    if not desk.is_group or desk.role.group_id is None:
        desk.reply(desk.text("group.only_group"))
        return None
    membership = await desk.membership()
    if membership != Membership.member:
        refusal = "group.members_unknown" if membership == Membership.unknown else None
        desk.reply(t(desk.user_language, refusal or "group.members_only"))
        return None
    user = desk.user
    arrival = await residents.arrive(
        session=desk.session,
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language=language_for(user.language_code, desk.context.scope.default_language),
        now=desk.now,
    )
    found, _draft = await drafts.start_recording(
        session=desk.session,
        group_id=desk.role.group_id,
        inspector=arrival.resident,
        now=desk.now,
    )
    if found == Recording.busy:
        desk.reply(t(desk.user_language, "record.busy"))
        return None
    button = InlineKeyboardButton(
        desk.text("record.button.open"), url=private_link(desk, RECORD_PAYLOAD)
    )
    key = "record.running" if found == Recording.running else "record.started"
    desk.reply(desk.text(key, name=mention(desk)), InlineKeyboardMarkup([[button]]))
    return None
