"""Where the problem is: a shared location (asked about when far from the village), an address,
or skip."""

from __future__ import annotations

import re

from handlers.resident import keyboards, render
from handlers.resident.base import Visit, draft_button
from storage import drafts
from storage.drafts import StepOutcome
from storage.models import Draft, DraftStep

# The steps that take a location: the question, and the question about a far location (where
# a new location, an address or skip still answers it).
STEPS = (DraftStep.location, DraftStep.location_confirm)


async def typed(visit: Visit, draft: Draft, text: str) -> None:
    """Text at the location step: skip, or an address."""
    session, now = visit.session, visit.now
    if keyboards.is_skip(text):
        result = await drafts.skip_location(session=session, draft=draft, now=now)
        render.moved_on(visit, result, "location.skipped", "hint.location", used=True)
        return
    result = await drafts.set_address(session=session, draft=draft, text=text, now=now)
    # Nothing visible was typed: say what the step takes.
    problem = "hint.location" if result.outcome == StepOutcome.too_short else "location.too_long"
    render.moved_on(visit, result, "location.address_saved", problem)


async def shared(visit: Visit, draft: Draft, latitude: float, longitude: float) -> None:
    """A shared location at the location step: kept, or asked about when far from the village."""
    result = await drafts.set_location(
        session=visit.session, draft=draft, latitude=latitude, longitude=longitude, now=visit.now
    )
    if result.outcome == StepOutcome.far_location and result.view is not None:
        render.ask(visit, result.view)
        return
    render.moved_on(visit, result, "location.saved", "hint.location", used=True)


@draft_button(keyboards.FAR_LOCATION, DraftStep.location_confirm)
async def on_far_location(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """Yes, the far location is right / let me send it again."""
    accept = found[2] == "y"
    result = await drafts.confirm_location(
        session=visit.session, draft=draft, accept=accept, now=visit.now
    )
    if accept:
        # The far location came from the keyboard's button, which hid it then.
        render.moved_on(visit, result, "location.saved", "hint.location", used=True)
    elif result.view is not None:
        render.ask(visit, result.view)
    return None
