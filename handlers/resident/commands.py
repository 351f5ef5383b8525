"""/help, /privacy, /lang and commands the bot does not know."""

from __future__ import annotations

from handlers.resident import keyboards, render
from handlers.resident.base import Visit, resident_handler
from storage import drafts, residents, villages


@resident_handler(after_expiry=True)
async def on_help(visit: Visit) -> None:
    """What the bot does and its commands."""
    visit.say("help.text")


@resident_handler(after_expiry=True)
async def on_privacy(visit: Visit) -> None:
    """What is stored, who sees it, and for how long (and whom to ask for deletion)."""
    contact = await villages.office_contact(session=visit.session, village_id=None)
    visit.say("privacy.text", contact=render.contact_text(visit, contact))


@resident_handler(after_expiry=True)
async def on_lang(visit: Visit) -> None:
    """Offer the languages."""
    visit.say("lang.ask", keyboards.languages())


@resident_handler(after_expiry=True)
async def on_language(visit: Visit) -> str | None:
    """A language button: kept from now on, and the current question asked again in it."""
    language = visit.match(keyboards.LANGUAGE)[1]
    await residents.choose_language(
        session=visit.session, resident=visit.resident, language=language
    )
    visit.say("lang.set")
    if visit.draft is not None:
        view = await drafts.view(session=visit.session, draft=visit.draft, now=visit.now)
        render.ask(visit, view)
    return None


@resident_handler(after_expiry=True)
async def on_unknown_command(visit: Visit) -> None:
    """A command the bot does not have: point to /help (a running draft is untouched)."""
    visit.say("command.unknown")


@resident_handler(after_expiry=True)
async def on_stray_button(visit: Visit) -> str | None:
    """A button whose data matches nothing here (forged, or from an older version)."""
    return visit.text("button.stale")
