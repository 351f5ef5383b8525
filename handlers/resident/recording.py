"""The private-chat side of 代录 (issue 11 §1) and of the follow link.

The inspector who sent /record in their group's chat goes on here (`/start rec`): the
resident conversation asks the village, category, description, photos, voice and location as
usual, then the channel, and the resident's name and phone as the inspector types them. The
receipt offers 生成关注链接: a one-time deep link (`/start f_<token>`, storage/follow_links.py)
with its QR code, which the inspector shows the resident; opening it makes them the owner.
"""

from __future__ import annotations

import re
import secrets
from html import escape
from pathlib import Path

import segno
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove

from handlers import calls
from handlers.members import Membership, members_of
from handlers.resident import after, keyboards, render
from handlers.resident.base import Visit, draft_button, resident_handler
from storage import drafts, follow_links, ledger
from storage.complaints import Filing
from storage.drafts import Recording, StepOutcome
from storage.drafts.recording import NAME_MAX
from storage.follow_links import Followed
from storage.models import Draft, DraftStep, InspectionGroup

CHANNEL = re.compile(r"^ch:(\d{1,18}):([a-z_]{1,16})$")
FOLLOW_LINK = re.compile(r"^fl:(\d{1,18})$")
GROUP_CHOICE = re.compile(r"^rg:(\d{1,18})$")
# What the follow link says when it is refused, by why.
REFUSED = {
    Followed.used: "follow.used",
    Followed.expired: "follow.expired",
    Followed.unknown: "follow.unknown",
}


async def resume(visit: Visit) -> None:
    """`/start rec`: the recorded draft's current question (or how to start one)."""
    if not drafts.is_recorded(visit.draft):
        visit.say("record.none")
        return
    assert visit.draft is not None
    view = await drafts.view(session=visit.session, draft=visit.draft, now=visit.now)
    render.ask(visit, view, visit.text("record.welcome"))


async def _member_groups(visit: Visit, group_id: int | None = None) -> list[InspectionGroup]:
    """The groups whose linked chat the sender is a member of (Telegram's answer, cached)."""
    found = []
    cache = members_of(visit.context.bot_data)
    for group in await drafts.group_chats(session=visit.session):
        if group_id is not None and group.id != group_id:
            continue
        assert group.chat_id is not None
        membership = await cache.check(
            visit.context.bot, group.chat_id, visit.resident.telegram_id
        )
        if membership == Membership.member:
            found.append(group)
    return found


async def _start_for(visit: Visit, group: InspectionGroup) -> None:
    """Start recording for one group, then its first question (or say why not)."""
    assert group.id is not None
    found, draft = await drafts.start_recording(
        session=visit.session, group_id=group.id, inspector=visit.resident, now=visit.now
    )
    if found == Recording.busy:
        visit.say("record.busy")
        return
    visit.draft = draft
    await resume(visit)


@resident_handler(after_expiry=True)
async def on_private_record(visit: Visit) -> None:
    """/record in the private chat, by a member of a group's linked chat: record for that
    group (a choice when they are in several); else say who may."""
    if drafts.is_recorded(visit.draft):
        await resume(visit)
        return
    groups = await _member_groups(visit)
    if not groups:
        visit.say("record.not_member")
    elif len(groups) == 1:
        await _start_for(visit, groups[0])
    else:
        buttons = [
            [InlineKeyboardButton(escape(g.name), callback_data=f"rg:{g.id}")] for g in groups
        ]
        visit.say("record.choose_group", InlineKeyboardMarkup(buttons))


@resident_handler(after_expiry=True)
async def on_group_choice(visit: Visit) -> str | None:
    """Which group a record made in private is for (membership asked again)."""
    groups = await _member_groups(visit, int(visit.match(GROUP_CHOICE)[1]))
    if not groups:
        return visit.text("record.not_member")
    visit.set_buttons(None)
    if drafts.is_recorded(visit.draft):
        await resume(visit)
        return None
    await _start_for(visit, groups[0])
    return None


@draft_button(CHANNEL, DraftStep.channel)
async def on_channel(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """A channel button (走访, 座谈会, ...)."""
    result = await drafts.set_channel(
        session=visit.session, draft=draft, channel=found[2], now=visit.now
    )
    if result.outcome != StepOutcome.ok or result.view is None:
        return visit.text("button.stale")
    render.ask(visit, result.view)
    return None


async def typed(visit: Visit, draft: Draft, text: str) -> None:
    """The resident's name, or phone (or 跳过), as the inspector types it."""
    session, now = visit.session, visit.now
    if draft.step == DraftStep.reporter_name:
        result = await drafts.set_reporter_name(session=session, draft=draft, text=text, now=now)
        problem = "record.name.invalid"
    else:
        phone = None if keyboards.is_skip(text) else text
        result = await drafts.set_typed_phone(session=session, draft=draft, text=phone, now=now)
        problem = "record.phone.invalid"
    assert result.view is not None
    if result.outcome != StepOutcome.ok:
        render.ask(visit, result.view, visit.text(problem, max=NAME_MAX))
        return
    if draft.step == DraftStep.confirm:
        render.acknowledge(visit, "record.noted")
    render.ask(visit, result.view)


def receipt(visit: Visit, filing: Filing) -> None:
    """The inspector's receipt: the number, the channel, and 生成关注链接."""
    assert filing.complaint is not None and filing.group is not None
    complaint = filing.complaint
    button = InlineKeyboardButton(
        visit.text("record.button.follow_link"), callback_data=f"fl:{complaint.id}"
    )
    visit.say(
        "record.filed",
        InlineKeyboardMarkup([[button]]),
        number=escape(complaint.number),
        group=escape(filing.group.name),
        channel=render.channel_words(visit.language, complaint.channel),
    )


def _qr_file(visit: Visit, link: str) -> dict[str, str]:
    """The link's QR code as a PNG in the export directory, for the sender to upload."""
    directory = Path(ledger.export_directory(visit.session.get_bind().engine.url))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"follow-{secrets.token_hex(8)}.png"
    segno.make_qr(link, error="q").save(str(path), kind="png", scale=8, border=4)
    return {"local_file": str(path), "filename": "follow.png"}


@resident_handler(after_expiry=True)
async def on_follow_link(visit: Visit) -> str | None:
    """生成关注链接: a one-time link and its QR code, for the resident to open in the bot."""
    complaint_id = int(visit.match(FOLLOW_LINK)[1])
    outcome = await follow_links.issue(
        session=visit.session,
        complaint_id=complaint_id,
        recorder_telegram_id=visit.resident.telegram_id,
        now=visit.now,
    )
    if outcome.result != Followed.issued or outcome.token is None or outcome.complaint is None:
        return visit.text("follow.not_now")
    link = f"https://t.me/{visit.context.bot.username}?start={follow_links.PREFIX}{outcome.token}"
    number = escape(outcome.complaint.number)
    days = follow_links.FOLLOW_LINK_LIFETIME.days
    visit.say("follow.issued", number=number, link=escape(link), days=days)
    caption = visit.text("follow.qr", number=number)
    visit.context.queue(visit.chat_id, calls.photo(_qr_file(visit, link), caption))
    return None


async def follow(visit: Visit, token: str) -> None:
    """`/start f_<token>`: the resident becomes the owner of the complaint recorded for them."""
    outcome = await follow_links.claim(
        session=visit.session, token=token, resident=visit.resident, now=visit.now
    )
    if outcome.result != Followed.followed or outcome.complaint is None:
        visit.say(REFUSED.get(outcome.result, "follow.unknown"), ReplyKeyboardRemove())
        return
    complaint = outcome.complaint
    visit.say(
        "follow.done",
        after.buttons(visit.language, complaint.id or 0, complaint.status),
        number=escape(complaint.number),
        status=render.status_name(visit.language, complaint.status),
    )
