"""/my and /status: a resident follows their own complaints."""

from __future__ import annotations

from html import escape

from handlers.resident import after, render, updates
from handlers.resident.base import Visit, resident_handler
from storage import complaints, followed

# Room for /status within Telegram's 4096 characters.
STATUS_BUDGET = 3900


@resident_handler(after_expiry=True)
async def on_my(visit: Visit) -> None:
    """The resident's complaints, newest first, with their status."""
    assert visit.resident.id is not None
    found = await complaints.resident_complaints(
        session=visit.session, resident_id=visit.resident.id
    )
    following = await followed.followed_complaints(
        session=visit.session, resident_id=visit.resident.id
    )
    if not found and not following:
        visit.say("my.none")
        return
    lines = [visit.text("my.title")]
    for item in found:
        lines.append(_line(visit, "my.line", item))
    if following:
        # Complaints joined (加入关注) or merged into: another resident's, marked 关注.
        lines.append("")
        lines.append(visit.text("my.followed_title"))
        lines.extend(_line(visit, "my.followed_line", item) for item in following)
    lines.append("")
    lines.append(visit.text("my.hint"))
    visit.send("\n".join(lines))


def _line(visit: Visit, key: str, item: complaints.ComplaintView) -> str:
    """One complaint's line in /my: number, status, village, date."""
    return visit.text(
        key,
        number=escape(item.complaint.number),
        status=render.status_name(visit.language, item.complaint.status),
        village=escape(item.village.name),
        date=render.local_day(item.round, item.complaint.filed_at),
    )


@resident_handler(after_expiry=True)
async def on_status(visit: Visit) -> None:
    """One of the resident's own complaints with its public timeline."""
    args = visit.context.args or []
    if not args:
        visit.say("status.usage")
        return
    assert visit.resident.id is not None
    item = await complaints.resident_complaint(
        session=visit.session, resident_id=visit.resident.id, number=args[0]
    )
    is_followed = item is None
    if item is None:
        item = await followed.followed_complaint(
            session=visit.session, resident_id=visit.resident.id, number=args[0]
        )
    if item is None:
        # The same answer for someone else's number as for no such number: nothing leaks.
        visit.say("status.not_found", number=escape(args[0][:40]))
        return
    language = visit.language
    complaint = item.complaint
    lines = [
        visit.text(
            "status.followed_header" if is_followed else "status.header",
            number=escape(complaint.number),
            status=render.status_name(language, complaint.status),
            village=render.village_label(item.village),
            category=render.category_name(language, item.category, complaint.category_code),
            filed=render.local(item.round, complaint.filed_at),
        ),
        "",
        visit.text("status.timeline"),
    ]
    entries = [
        # What happened and its note (a transfer's never; a rating's in words).
        visit.text(
            "status.event",
            at=render.local(item.round, event.at),
            what=(
                # Another resident's complaint: what they typed (补充, 撤回) stays theirs.
                updates.event_name(language, event)
                if is_followed and event.actor == "resident"
                else updates.timeline_entry(language, event)
            ),
        )
        for event in item.events
    ]
    # A long timeline keeps its latest steps within one message.
    while len(entries) > 1 and updates.units("\n".join([*lines, *entries])) > STATUS_BUDGET:
        entries = entries[2:] if entries[0] == updates.ELLIPSIS else entries[1:]
        entries.insert(0, updates.ELLIPSIS)
    if is_followed:
        # 补充材料 and 撤回 are the owner's; a follower only reads.
        visit.send("\n".join([*lines, *entries]))
        return
    markup = after.buttons(language, complaint.id or 0, complaint.status)
    if markup is None and complaint.status in after.CLOSED:
        entries = [*entries, "", visit.text("after.closed_hint")]
    visit.send("\n".join([*lines, *entries]), markup)
