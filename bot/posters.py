"""`xuncha qr`: a printable poster (巡察公告) per village of a round, as PNG and PDF.

Each poster is one A4 portrait page (210 × 297 mm) for the notice board of the village: the
notice, the village, the QR code of the village's deep link
`https://t.me/<bot username>?start=v_<village code>`, the group, the dates, the office contact
and how to report. It is drawn once with matplotlib's object API (no pyplot) and saved from the
same figure as a PNG (300 dpi) and a PDF. The QR code (segno, error correction Q, a quiet zone
of 4 modules) is drawn as vector squares, so it stays sharp in print. Chinese renders with the
Noto Sans SC font shipped with the dependencies (handlers/fonts.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.poster_page import PAGE_H_MM, PAGE_W_MM, PT_TO_MM, Page
from handlers.i18n import LANGUAGES, t
from storage.db import Database
from storage.posters import PosterInfo, UnknownRound, poster_data

MARGIN_MM = 18.0
QR_MAX_MM = 92.0
QR_MIN_MM = 60.0

RED = "#C00000"
GREY = "#666666"
RULE = "#BBBBBB"

# Telegram's rules for a bot's username and for the start parameter of a deep link.
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


# Why posters cannot be made, by code; the command line says them from its catalog (keys
# qr.error.CODE), this is their English wording (str() of the error).
POSTER_ERRORS: dict[str, str] = {
    "bad_username": (
        "{name!r} is not a Telegram bot username (letters, digits and _, 5-32 characters)"
    ),
    "bad_village_codes": (
        "these village codes cannot be in a Telegram deep link (start=v_CODE allows only "
        "A-Z a-z 0-9 _ - and at most 62 characters of code): {codes}; give them such codes in "
        "the roster and load it again"
    ),
    "no_round": "no round {round!r} in the database (rounds: {rounds})",
    "no_round_at_all": "no round {round!r} in the database (load a roster first)",
    "no_villages": "round {round!r} has no villages: nothing to print",
    "no_username": (
        "the bot's username is needed for the deep links: pass --bot-username NAME, "
        "or set TELEGRAM_BOT_TOKEN so that it can be asked from Telegram (getMe)"
    ),
    "token_rejected": (
        "the Bot API at {where} rejected TELEGRAM_BOT_TOKEN (getMe); check the token, "
        "or pass --bot-username NAME"
    ),
    "no_answer": (
        "could not ask the Bot API at {where} for the bot's username (getMe): {reason}; "
        "pass --bot-username NAME"
    ),
}


class PosterError(Exception):
    """Posters that cannot be made: a code of POSTER_ERRORS and its values; str() is the
    English wording."""

    def __init__(self, code: str, /, **values: Any) -> None:
        self.code = code
        self.values = values
        super().__init__(POSTER_ERRORS[code].format(**values))


@dataclass(frozen=True)
class PosterFiles:
    """The files written for one village."""

    village_code: str
    link: str
    png: Path
    pdf: Path


def deep_link(bot_username: str, village_code: str) -> str:
    """The link that opens the bot with the village already chosen."""
    return f"https://t.me/{bot_username}?start=v_{village_code}"


def clean_username(name: str) -> str:
    """A bot username as given (with or without @), or PosterError if Telegram would refuse it."""
    username = name.strip().removeprefix("@")
    if not BOT_USERNAME.fullmatch(username):
        raise PosterError("bad_username", name=name)
    return username


def check_links(infos: Sequence[PosterInfo]) -> None:
    """PosterError naming the villages whose code cannot be a deep link's start parameter."""
    bad = [
        info.village_code
        for info in infos
        if not START_PARAMETER.fullmatch(f"v_{info.village_code}")
    ]
    if bad:
        raise PosterError("bad_village_codes", codes=", ".join(repr(code) for code in bad))


# --- data and the bot's username ----------------------------------------------------------


async def load_posters(database_url: str, *, round_code: str) -> list[PosterInfo]:
    """The posters' facts for the round's villages, or PosterError."""
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            infos = await poster_data(session=session, round_code=round_code)
    except UnknownRound as exc:
        if exc.known:
            raise PosterError(
                "no_round", round=exc.round_code, rounds=", ".join(exc.known)
            ) from exc
        raise PosterError("no_round_at_all", round=exc.round_code) from exc
    finally:
        await database.dispose()
    if not infos:
        raise PosterError("no_villages", round=round_code)
    check_links(infos)
    return infos


async def bot_username_from_telegram(settings: Settings) -> str:
    """Ask the Bot API (getMe) for the bot's username, or PosterError."""
    from telegram.error import InvalidToken, TelegramError

    from bot.bot_api import plain_bot

    token = settings.telegram_bot_token.strip()
    if not token:
        raise PosterError("no_username")
    where = settings.api_root
    try:
        bot = plain_bot(settings, token)
        async with bot:
            username = bot.username
    except InvalidToken as exc:
        raise PosterError("token_rejected", where=where) from exc
    except (TelegramError, OSError) as exc:
        reason = str(exc).replace(token, "<token>") or type(exc).__name__
        raise PosterError("no_answer", where=where, reason=reason) from exc
    return clean_username(username)


# --- drawing --------------------------------------------------------------------------------


def _date(language: str, day: date) -> str:
    return t(language, "poster.date", year=day.year, month=day.month, day=day.day)


def render_poster(info: PosterInfo, *, link: str, png: Path, pdf: Path, language: str) -> None:
    """Draw one village's poster and write it as `png` and `pdf`."""
    page = Page()
    width = PAGE_W_MM - 2 * MARGIN_MM
    left, right, center = MARGIN_MM, PAGE_W_MM - MARGIN_MM, PAGE_W_MM / 2
    starts, ends = _date(language, info.starts_on), _date(language, info.ends_on)

    def lh(size: float, spacing: float = 1.55) -> float:
        return size * PT_TO_MM * spacing

    # Everything but the QR code, measured first: the code gets the room that is left.
    body_key = "poster.body" if info.organizer else "poster.body_plain"
    body_values = {"group": info.group_name, "township": info.township}
    body_values |= {"village": info.village_name, "starts": starts, "ends": ends}
    if info.organizer:
        body_values["organizer"] = info.organizer
    body_size = 12.5
    indent = "\u3000\u3000" if language == "zh" else ""
    body = page.wrap(t(language, body_key, **body_values), body_size, width, indent)
    place = t(language, "poster.place", township=info.township, village=info.village_name)
    place_size = page.fit(place, 28, width)
    value_x = left + 30
    info_size = 12.5
    rows = [
        (t(language, "poster.group_label"), info.group_name),
        (t(language, "poster.dates_label"), t(language, "poster.dates", starts=starts, ends=ends)),
    ]
    if info.contact:
        rows.append((t(language, "poster.contact_label"), info.contact))
    info_lines = [
        (label, page.wrap(value, info_size, right - value_x) or [""]) for label, value in rows
    ]
    step_size = 11.5
    step_x = left + 7
    steps = [t(language, f"poster.step{n}") for n in (1, 2, 3)]
    step_lines = [page.wrap(step, step_size, right - step_x) for step in steps]
    other_ways = (
        page.wrap(t(language, "poster.other_ways"), step_size, right - step_x)
        if info.contact
        else []
    )

    top, bottom = PAGE_H_MM - 16, 34.0
    text_height = (
        16 + 12 + 9  # title, round, rules
        + lh(body_size) * len(body) + 6
        + lh(place_size, 1.2) + 5
        + 5 + 10 + 6  # after the code: the call to scan, the link
        + sum(lh(info_size) * len(lines) for _, lines in info_lines) + 6
        + lh(13) + sum(lh(step_size) * len(lines) for lines in step_lines)
        + lh(step_size) * len(other_ways)
    )  # fmt: skip
    qr_size = max(QR_MIN_MM, min(QR_MAX_MM, top - bottom - text_height))

    # The heading: 巡察公告, the round, a red double rule.
    y = top - 12
    page.text(center, y, t(language, "poster.title"), 38, color=RED, ha="center", bold=True)
    y -= 13
    page.text(center, y, info.round_name, page.fit(info.round_name, 16, width), ha="center")
    y -= 6
    page.line(left, right, y, width=2.2, color=RED)
    page.line(left, right, y - 1.3, width=0.7, color=RED)
    y -= 9

    for text in body:
        y -= lh(body_size) * 0.75
        page.text(left, y, text, body_size)
        y -= lh(body_size) * 0.25
    y -= 6 + place_size * PT_TO_MM
    page.text(center, y, place, place_size, ha="center", bold=True)
    y -= 5 + qr_size

    page.qr(link, center - qr_size / 2, y, qr_size)
    y -= 10
    page.text(center, y, t(language, "poster.scan"), 22, color=RED, ha="center", bold=True)
    y -= 6
    page.text(center, y, link.removeprefix("https://"), 9, color=GREY, ha="center")
    y -= 4
    page.line(left, right, y, width=0.6, color=RULE)
    y -= 2

    for label, lines in info_lines:
        for index, text in enumerate(lines):
            y -= lh(info_size)
            if index == 0:
                page.text(left, y, label, info_size, color=RED, bold=True)
            page.text(value_x, y, text, info_size)
    y -= 4
    page.line(left, right, y, width=0.6, color=RULE)
    y -= 2

    y -= lh(13)
    page.text(left, y, t(language, "poster.howto"), 13, color=RED, bold=True)
    for number, lines in enumerate(step_lines, start=1):
        for index, text in enumerate(lines):
            y -= lh(step_size)
            if index == 0:
                page.text(left + 1, y, f"{number}.", step_size, color=RED)
            page.text(step_x, y, text, step_size)
    for text in other_ways:
        y -= lh(step_size)
        page.text(step_x, y, text, step_size, color=GREY)

    # Signed by the group, dated the round's first day.
    signature = (
        t(language, "poster.signature", organizer=info.organizer, group=info.group_name)
        if info.organizer
        else info.group_name
    )
    page.text(right, 24, signature, page.fit(signature, 13, width), ha="right")
    page.text(right, 17, starts, 13, ha="right")

    title = f"{t(language, 'poster.title')} · {place}"
    page.save(png, pdf, title=title)


def write_posters(
    infos: Sequence[PosterInfo], *, bot_username: str, out: Path, language: str = "zh"
) -> list[PosterFiles]:
    """Write `<village code>.png` and `.pdf` for every village into `out` (created if need be)."""
    if language not in LANGUAGES:
        raise PosterError(f"language {language!r}: choose one of {', '.join(LANGUAGES)}")
    username = clean_username(bot_username)
    check_links(infos)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for info in infos:
        link = deep_link(username, info.village_code)
        png, pdf = out / f"{info.village_code}.png", out / f"{info.village_code}.pdf"
        render_poster(info, link=link, png=png, pdf=pdf, language=language)
        written.append(PosterFiles(info.village_code, link, png, pdf))
    return written


__all__ = [
    "PosterError",
    "PosterFiles",
    "bot_username_from_telegram",
    "check_links",
    "clean_username",
    "deep_link",
    "load_posters",
    "render_poster",
    "write_posters",
]
