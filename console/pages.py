"""The console's pages: overview, list (and its XLSX), one complaint, the map."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from console.context import console_of, forbidden, refuse, viewer
from console.render import page
from handlers.i18n import catalog
from handlers.ledger_file import write_ledger
from storage import console as store
from storage import ledger
from storage.console import Filters, Viewer
from storage.console.listing import conditions
from storage.models import Channel, ComplaintStatus

Page = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def viewed(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A page for a logged-in viewer only: 403 (logged) without a valid session."""

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        who = await viewer(request)
        if who is None:
            return forbidden(request, "no valid console session")
        return await handler(request, who)

    return wrapper


def _render(request: web.Request, who: Viewer, template: str, **values: Any) -> web.Response:
    """A page in the viewer's language, with the viewer and configuration at hand."""
    console = console_of(request)
    return page(
        template,
        who.language,
        base=console.config.base,
        viewer=who,
        config=console.config,
        **values,
    )


def _int(value: str | None) -> int | None:
    """A whole number from a query parameter, or None."""
    return int(value) if value and value.strip().lstrip("-").isdigit() else None


def _day(value: str | None) -> date | None:
    """A day (YYYY-MM-DD) from a query parameter, or None."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_of(query: Any) -> Filters:
    """The list's filters from a query string; a value that makes no sense is left out."""
    status = query.get("status") or None
    sort = query.get("sort") or "new"
    channel = query.get("channel") or None
    return Filters(
        status=status if status in set(ComplaintStatus) else None,
        group_id=_int(query.get("group")),
        village_id=_int(query.get("village")),
        category=(query.get("category") or None),
        department_id=_int(query.get("department")),
        channel=channel if channel in set(Channel) else None,
        overdue=query.get("overdue") == "1",
        date_from=_day(query.get("from")),
        date_to=_day(query.get("to")),
        search=(query.get("q") or "").strip()[:100] or None,
        sort=sort if sort in store.SORTS else "new",
        page=max(1, _int(query.get("page")) or 1),
    )


def query_of(request: web.Request, **changes: Any) -> str:
    """The request's query string with some parameters changed (None: removed)."""
    values = {key: value for key, value in request.query.items() if value}
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = str(value)
    return urlencode(values)


@viewed
async def overview_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    """Counts by status, overdue, today's new, satisfaction by group and department, trend."""
    console = console_of(request)
    async with console.database.snapshot() as session:
        summary = await store.overview(session=session, viewer=who, now=console.clock.now())
    peak = max([count for _day, count in summary.trend] or [0]) or 1
    return _render(request, who, "overview.html", summary=summary, peak=peak)


@viewed
async def list_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    """The filtered, searched, sorted list, a page at a time."""
    console = console_of(request)
    filters = filters_of(request.query)
    async with console.database.snapshot() as session:
        found = await store.list_complaints(
            session=session, viewer=who, filters=filters, now=console.clock.now()
        )
        offered = await store.choices(session=session, viewer=who)
    return _render(
        request,
        who,
        "list.html",
        found=found,
        choices=offered,
        query=request.query,
        statuses=list(ComplaintStatus),
        channels=list(Channel),
        sorts=store.SORTS,
        page_query=lambda n: query_of(request, page=n),
        export_query=query_of(request, page=None),
    )


@viewed
async def export_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    """The list's view as the ledger's XLSX (storage/ledger; no identity but a group's own)."""
    console = console_of(request)
    filters = filters_of(request.query)
    now = console.clock.now()
    today = now.astimezone(store.zone_of(who)).date()
    with tempfile.TemporaryDirectory(prefix="xuncha-console-") as folder:
        path = Path(folder) / f"{who.round_code}.xlsx"
        async with console.database.snapshot() as session:
            where = conditions(who, filters, today=today, postgres=store.on_postgres(session))
            rows = ledger.ledger_rows(
                session=session,
                round_id=who.round_id,
                group_id=who.group_id,
                shareable=who.target != "group",
                where=where,
                now=now,
            )
            summary = await ledger.ledger_summary(
                session=session, round_id=who.round_id, group_id=who.group_id
            )
            await write_ledger(path, rows, summary, exported_at=now)
        body = path.read_bytes()
    name = f"{who.round_code}-{today.isoformat()}.xlsx"
    return web.Response(
        body=body,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@viewed
async def complaint_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    """One complaint: the card's content, the timeline, photos, voice, the place on a map."""
    console = console_of(request)
    number = request.match_info["number"]
    async with console.database.snapshot() as session:
        found = await store.detail(
            session=session, viewer=who, number=number, now=console.clock.now()
        )
    if found is None:
        return refuse(request, who, number)
    return _render(
        request,
        who,
        "complaint.html",
        c=found,
        actions=set(catalog(who.language)),
        reminded=request.query.get("reminded"),
    )


@viewed
async def map_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    """Every complaint with a place, on a map (the markers come from map.json)."""
    return _render(request, who, "map.html", data_query=query_of(request))


@viewed
async def map_data(request: web.Request, who: Viewer) -> web.StreamResponse:
    """The map's markers: complaints at their location, or at their village's point."""
    console = console_of(request)
    filters = filters_of(request.query)
    async with console.database.snapshot() as session:
        points = await store.map_points(
            session=session, viewer=who, filters=filters, now=console.clock.now()
        )
    return web.json_response(points, headers={"Cache-Control": "no-store"})


@viewed
async def remind(request: web.Request, who: Viewer) -> web.StreamResponse:
    """督办: a reminder of an overdue complaint to its group's (and department's) chat."""
    console = console_of(request)
    number = request.match_info["number"]
    try:
        async with console.database.transaction() as session:
            sent = await store.remind(
                session=session, viewer=who, number=number, now=console.clock.now()
            )
    except store.RemindedRecently:
        # Pressed again within the hour: nothing sent, and the page says so.
        return web.Response(
            status=303, headers={"Location": f"{console.config.base}/c/{number}?reminded=recent"}
        )
    if sent is None:
        return refuse(request, who, number, "remind")
    console.wake_sender()
    location = f"{console.config.base}/c/{number}?reminded={int(sent)}"
    return web.Response(status=303, headers={"Location": location})
