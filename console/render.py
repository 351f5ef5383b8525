"""The console's pages as HTML: Jinja templates (console/templates), escaped by default, with
texts from the message catalogs in the viewer's language."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from handlers.i18n import t

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
STATUS_COLOURS = {
    "new": "#d9480f",
    "accepted": "#f08c00",
    "immediate": "#1971c2",
    "handed_off": "#6741d9",
    "transferred": "#495057",
    "resolved": "#2f9e44",
    "rejected": "#868e96",
    "merged": "#adb5bd",
    "closed": "#2b8a3e",
}


def _when(value: datetime | date | None) -> str:
    """A local moment or a day as people read it."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _share(value: float | None) -> str:
    """A rate as a percentage, or a dash."""
    return "—" if value is None else f"{value:.0%}"


@cache
def environment() -> Environment:
    """The templates' environment (HTML-escaped by default)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["share"] = _share
    env.globals["colours"] = STATUS_COLOURS
    return env


def page(
    template: str, language: str, *, base: str, status: int = 200, **values: Any
) -> web.Response:
    """A template rendered in `language` (its t() reads the catalogs)."""

    def text(key: str, **fields: Any) -> str:
        return t(language, key, **fields)

    body = environment().get_template(template).render(t=text, lang=language, base=base, **values)
    return web.Response(
        text=body,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )
