"""Why nothing changed: short explanations of the workflow's refusals, in the chat's language."""

from __future__ import annotations

from handlers.group import cards
from handlers.group.base import Desk
from storage.workflow import Outcome, Refusal

# Details of Refusal.invalid that have their own text (others get a general one).
INVALID_DETAILS = (
    "empty",
    "too_long",
    "unknown_number",
    "self",
    "target_closed",
    "target_merged",
    "unknown_department",
    "photo",
)


def explain(desk: Desk, refusal: Refusal | None, detail: str | None = None) -> str:
    """The explanation of a refusal (detail: the current status, or what is wrong)."""
    if refusal == Refusal.moved_on:
        status = cards.status_name(desk.language, detail) if detail else "?"
        return desk.text("action.refused.moved_on", status=status)
    if refusal == Refusal.invalid:
        return invalid_text(desk, detail)
    if refusal == Refusal.not_allowed and detail in ("sensitive", "not_for_clues"):
        return desk.text(f"action.refused.{detail}")
    if refusal is None:
        return desk.text("action.refused.not_allowed")
    return desk.text(f"action.refused.{refusal.value}")


def refusal_text(desk: Desk, outcome: Outcome) -> str:
    """A short explanation of why a workflow call changed nothing."""
    return explain(desk, outcome.refusal, outcome.detail)


def invalid_text(desk: Desk, detail: str | None) -> str:
    """What is wrong with what was typed or chosen."""
    if detail in INVALID_DETAILS:
        return desk.text(f"action.invalid.{detail}")
    return desk.text("action.invalid.other")
