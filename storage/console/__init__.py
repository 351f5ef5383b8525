"""What the console (console/) reads and writes: logins and sessions, who sees what, the
overview, the list and one complaint's page. The console holds no SQL of its own.

Modules: viewer (who is looking and what that lets them see), logins (one-time links and
sessions), listing (filters, search, paging), overview (counts, rates, trend), detail (one
complaint, its timeline and media), choices (what the filters offer), mapping (the map's
markers), reminders (督办 from the console).
"""

from __future__ import annotations

from storage.console.choices import Choices, choices
from storage.console.detail import Detail, Event, detail, media_file_id, visible_complaint
from storage.console.listing import PAGE_SIZE, SORTS, Filters, ListPage, ListRow, list_complaints
from storage.console.logins import (
    LINK_LIFETIME,
    SESSION_LIFETIME,
    issue_link,
    issue_link_for_chat,
    issue_operator_link,
    linked_chats,
    logout,
    open_session,
    redeem_link,
    session_viewer,
)
from storage.console.mapping import map_points
from storage.console.overview import Overview, overview
from storage.console.reminders import REMIND_EVERY, RemindedRecently, remind
from storage.console.viewer import TARGETS, Viewer, on_postgres, viewer_of, zone_of

__all__ = [
    "LINK_LIFETIME",
    "PAGE_SIZE",
    "REMIND_EVERY",
    "SESSION_LIFETIME",
    "SORTS",
    "TARGETS",
    "Choices",
    "Detail",
    "Event",
    "Filters",
    "ListPage",
    "ListRow",
    "Overview",
    "RemindedRecently",
    "Viewer",
    "choices",
    "detail",
    "issue_link",
    "issue_link_for_chat",
    "issue_operator_link",
    "linked_chats",
    "list_complaints",
    "logout",
    "map_points",
    "media_file_id",
    "on_postgres",
    "open_session",
    "overview",
    "redeem_link",
    "remind",
    "session_viewer",
    "viewer_of",
    "visible_complaint",
    "zone_of",
]
