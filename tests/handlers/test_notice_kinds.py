"""One enum of notice kinds: every kind the sweeps can write has a renderer and its texts."""

from __future__ import annotations

from handlers import notices
from handlers.i18n import LANGUAGES, catalog
from storage import schedule
from storage.notices import NoticeKind


def test_every_kind_has_a_renderer() -> None:
    assert set(notices.RENDERERS) == set(NoticeKind)
    assert set(notices.AUDIENCE) <= set(NoticeKind)


def test_every_kind_has_texts_in_both_catalogs() -> None:
    for language in LANGUAGES:
        keys = set(catalog(language))
        for kind in NoticeKind:
            prefix = f"notice.{kind.value}"
            assert any(k == prefix or k.startswith(prefix + ".") for k in keys), (language, kind)


def test_the_sweeps_write_the_same_kinds() -> None:
    assert schedule.NoticeKind is NoticeKind
    assert set(schedule.ROUND_KINDS) <= set(NoticeKind)
