"""Both message catalogs say the same things, and every key the code uses is in both (the call
shapes the scan recognises: tests/helpers/catalog_keys.py)."""

from __future__ import annotations

import string
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from handlers.department.reports import PROMPTS as DEPARTMENT_PROMPTS
from handlers.group.blocked import REASONS
from handlers.group.keyboards import Act
from handlers.group.prompts import ACTIONS
from handlers.group.refusals import INVALID_DETAILS
from handlers.i18n import LANGUAGES, catalog, language_for, t
from handlers.menu import PRIVATE_COMMANDS
from handlers.resident.updates import SATISFACTIONS
from storage.drafts import EditField
from storage.links import TARGETS
from storage.models import RETURN_REASONS, ComplaintStatus, DraftStep
from storage.workflow import Refusal
from tests.helpers.catalog_keys import Scan

ROOT = Path(__file__).resolve().parents[2]
# The packages whose texts come from the catalogs (storage holds no texts; the emulator is a
# stand-in for Telegram).
SCANNED = ("handlers", "bot")

# An f-string key (its placeholders written {}) → every value it is filled with.
FILLED: dict[str, Iterable[object]] = {
    "menu.{}": PRIVATE_COMMANDS,
    "status.{}": list(ComplaintStatus),
    "group.help.{}": ("group", "department", "office", "unlinked"),
    "action.placeholder.{}": ACTIONS,
    "action.prompt.{}": ACTIONS,
    "action.done.{}": ACTIONS,
    # moved_on and invalid have texts of their own (refusals.explain).
    "action.refused.{}": [
        *(r.value for r in Refusal if r not in (Refusal.moved_on, Refusal.invalid)),
        "sensitive",
        "not_for_clues",
    ],
    "action.invalid.{}": INVALID_DETAILS,
    "link.next.{}": TARGETS,
    "link.target.{}": TARGETS,
    "card.button.{}": [act.name for act in Act],
    "survey.button.{}": SATISFACTIONS.values(),
    "hint.{}": [step.value for step in DraftStep],
    "step.{}": [step.value for step in DraftStep],
    "field.{}": [which.name for which in EditField],
    "poster.step{}": (1, 2, 3),
    # A department's side of a hand-off (issue 10).
    "dept.button.{}": ("sign", "ret", "ext", "prg", "rcv", "cls", "done"),
    "dept.reason.{}": RETURN_REASONS,
    "dept.placeholder.{}": DEPARTMENT_PROMPTS,
    "card.event.{}": ("progress", "clue_received", "clue_closed"),
    "action.button.extension_{}": ("y", "n"),
    # 屏蔽's common reasons (issue 11 §5).
    "block.reason.{}": REASONS,
}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    zh, en = (catalog(language) for language in LANGUAGES)
    assert set(zh) == set(en)
    for key in zh:
        assert _fields(zh[key]) == _fields(en[key]), key


@cache
def scan() -> Scan:
    return Scan(ROOT, SCANNED, FILLED)


def test_every_key_used_in_code_exists_in_both_catalogs() -> None:
    used, unresolved = scan().uses()
    assert not unresolved, "keys the scan cannot resolve (see this file's docstring):\n" + (
        "\n".join(unresolved)
    )
    assert len(used) > 250, f"the scan found only {len(used)} keys"
    for language in LANGUAGES:
        missing = {key: where for key, where in used.items() if key not in catalog(language)}
        assert not missing, f"missing from the {language} catalog: {missing}"


def test_every_filled_template_is_still_used() -> None:
    used, _ = scan().uses()
    for template, values in FILLED.items():
        assert any(template.format(value) in used for value in values), template


def test_the_scan_knows_the_helpers_that_take_keys() -> None:
    takers = scan().takers
    for name in ("t", "text", "say", "acknowledge", "hint", "done", "prompted"):
        assert name in takers, name
    assert "_turn" not in takers  # bot/webhook's key is a chat, not a text


def test_language_from_telegram_code() -> None:
    assert language_for("en-GB") == "en"
    assert language_for("zh-hans") == "zh"
    assert language_for("fr") == "zh"
    assert language_for(None, "en") == "en"
    assert t("en", "error.generic") != t("zh", "error.generic")
