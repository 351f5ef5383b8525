"""Choosing the village: deep link, buttons (township, then village), or a shared location."""

from __future__ import annotations

import re

from handlers.resident import keyboards, render
from handlers.resident.base import Visit, draft_button
from storage import drafts, villages
from storage.drafts import StepOutcome, StepResult
from storage.models import Draft, DraftStep


def chosen(visit: Visit, result: StepResult) -> None:
    """Answer a village choice: take the location keyboard away and ask what follows."""
    if result.outcome == StepOutcome.ok and result.view is not None and result.village is not None:
        render.acknowledge(visit, "village.chosen", village=render.village_label(result.village))
        render.ask(visit, result.view)
    elif result.outcome == StepOutcome.closed:
        render.closed(visit, result.village, result.contact)
    elif result.view is not None:
        render.ask(visit, result.view, visit.text("village.unknown"))


@draft_button(keyboards.TOWNSHIPS, DraftStep.village)
async def on_townships(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """‹ › through the townships (and back to them from a township's villages)."""
    view = await drafts.view(session=visit.session, draft=draft, now=visit.now)
    text, markup = render.village_list(visit, view, int(found[2]))
    visit.replace(text, markup)
    return None


@draft_button(keyboards.VILLAGES, DraftStep.village)
async def on_villages(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """A township's villages, a page at a time."""
    assert draft.id is not None  # the button carried it
    choice = await villages.township_choice(
        session=visit.session, anchor_id=int(found[2]), now=visit.now
    )
    if choice is None:
        return visit.text("button.stale")
    text, markup = render.township_page(visit, draft.id, choice, int(found[3]))
    visit.replace(text, markup)
    return None


@draft_button(keyboards.VILLAGE, DraftStep.village)
async def on_village(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """A village button."""
    village_id = int(found[2])
    result = await drafts.choose_village(
        session=visit.session, draft=draft, village_id=village_id, now=visit.now
    )
    chosen(visit, result)
    return None


@draft_button(keyboards.SUGGESTION, DraftStep.village_confirm)
async def on_suggestion(visit: Visit, draft: Draft, found: re.Match[str]) -> str | None:
    """Yes, the suggested village is mine / let me choose another."""
    accept = found[2] == "y"
    result = await drafts.confirm_suggestion(
        session=visit.session, draft=draft, accept=accept, now=visit.now
    )
    if accept:
        chosen(visit, result)
    elif result.view is not None:
        render.ask(visit, result.view)
    return None


async def typed(visit: Visit, text: str) -> None:
    """A village's name typed at the village step."""
    assert visit.draft is not None
    result = await drafts.choose_village_by_name(
        session=visit.session, draft=visit.draft, text=text, now=visit.now
    )
    chosen(visit, result)


async def located(visit: Visit, latitude: float, longitude: float) -> None:
    """A location shared at the village step: suggest the nearest open village."""
    assert visit.draft is not None
    result = await drafts.suggest_village(
        session=visit.session,
        draft=visit.draft,
        latitude=latitude,
        longitude=longitude,
        now=visit.now,
    )
    assert result.view is not None
    if result.outcome == StepOutcome.ok and result.village is not None:
        render.acknowledge(
            visit,
            "village.nearest",
            village=render.village_label(result.village),
            km=f"{result.distance_km or 0:.1f}",
        )
        render.ask(visit, result.view)
    else:
        render.ask(visit, result.view, visit.text("village.none_nearby", km=villages.NEARBY_KM))
