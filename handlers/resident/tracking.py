"""/my and /status: a resident follows their own complaints."""

from __future__ import annotations

from html import escape

from handlers.resident import render
from handlers.resident.base import Visit, resident_handler
from storage import complaints


@resident_handler(after_expiry=True)
async def on_my(visit: Visit) -> None:
    """The resident's complaints, newest first, with their status."""
    assert visit.resident.id is not None
    found = await complaints.resident_complaints(
        session=visit.session, resident_id=visit.resident.id
    )
    if not found:
        visit.say("my.none")
        return
    lines = [visit.text("my.title")]
    for item in found:
        lines.append(
            visit.text(
                "my.line",
                number=escape(item.complaint.number),
                status=render.status_name(visit.language, item.complaint.status),
                village=escape(item.village.name),
                date=render.local_day(item.round, item.complaint.filed_at),
            )
        )
    lines.append("")
    lines.append(visit.text("my.hint"))
    visit.send("\n".join(lines))


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
    if item is None:
        # The same answer for someone else's number as for no such number: nothing leaks.
        visit.say("status.not_found", number=escape(args[0][:40]))
        return
    language = visit.language
    complaint = item.complaint
    lines = [
        visit.text(
            "status.header",
            number=escape(complaint.number),
            status=render.status_name(language, complaint.status),
            village=render.village_label(item.village),
            category=render.category_name(language, item.category, complaint.category_code),
            filed=render.local(item.round, complaint.filed_at),
        ),
        "",
        visit.text("status.timeline"),
    ]
    for event in item.events:
        line = visit.text(
            "status.event",
            at=render.local(item.round, event.at),
            what=render.event_name(language, event),
        )
        if event.note:
            line = f"{line}: {escape(event.note)}"
        lines.append(line)
    visit.send("\n".join(lines))
