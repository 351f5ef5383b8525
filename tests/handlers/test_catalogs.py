"""Both message catalogs say the same things."""

from __future__ import annotations

import re
import string
from pathlib import Path

from handlers.i18n import LANGUAGES, catalog, language_for, t

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
# t(language, "key") and visit.text("key"): the two ways handlers look texts up.
KEY_USE = re.compile(r"""(?:\bt\(\s*[\w.]+,|\.text\()\s*["']([a-z_]+\.[\w.]+)["']""")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    zh, en = (catalog(language) for language in LANGUAGES)
    assert set(zh) == set(en)
    for key in zh:
        assert _fields(zh[key]) == _fields(en[key]), key


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in HANDLERS.rglob("*.py"):
        used |= set(KEY_USE.findall(path.read_text()))
    assert used, "the scan found no keys at all"
    assert used <= set(catalog("zh")), used - set(catalog("zh"))


def test_language_from_telegram_code() -> None:
    assert language_for("en-GB") == "en"
    assert language_for("zh-hans") == "zh"
    assert language_for("fr") == "zh"
    assert language_for(None, "en") == "en"
    assert t("en", "error.generic") != t("zh", "error.generic")
