"""Getting into the console and out: a one-time login link, a checked Mini App login, logout.

A login link's page asks for a press before it logs in (a POST): link previews and other
robots that fetch the URL do not use it up. A session is a cookie (HttpOnly, SameSite=Strict,
Secure when CONSOLE_URL is https) naming a row of storage/console/logins.py.
"""

from __future__ import annotations

from aiohttp import web

from console.context import COOKIE, console_of, forbidden, log
from console.initdata import InitDataError, check_init_data
from console.render import page
from handlers.i18n import language_for
from handlers.members import Membership
from storage import console as store
from storage.console import SESSION_LIFETIME


def _with_session(response: web.StreamResponse, request: web.Request, token: str) -> None:
    """Set the session cookie on a response."""
    console = console_of(request)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=console.config.base or "/",
        httponly=True,
        samesite="Strict",
        secure=console.config.secure or request.secure,
    )


def _home(request: web.Request) -> str:
    """The overview's path."""
    return f"{console_of(request).config.base}/"


async def login_link(request: web.Request) -> web.StreamResponse:
    """GET shows a page with one button; its POST (below) uses the link up."""
    console = console_of(request)
    return page(
        "login.html",
        console.config.default_language,
        base=console.config.base,
        token=request.match_info["token"],
    )


async def login_with_link(request: web.Request) -> web.StreamResponse:
    """Use a one-time link: a session and the overview; a used or expired link is 403."""
    console = console_of(request)
    token = request.match_info["token"]
    async with console.database.transaction() as session:
        opened = await store.redeem_link(session=session, token=token, now=console.clock.now())
    if opened is None:
        return forbidden(request, "login link unknown, used or expired")
    response = web.Response(status=303, headers={"Location": _home(request)})
    _with_session(response, request, opened)
    return response


async def mini_app(request: web.Request) -> web.StreamResponse:
    """The Mini App's first page: it posts Telegram's init data back to log in."""
    console = console_of(request)
    return page("mini_app.html", console.config.default_language, base=console.config.base)


async def mini_app_login(request: web.Request) -> web.StreamResponse:
    """Check the init data (signature, age), find a linked chat the user is a member of, and
    open a session for that chat's view; 403 otherwise."""
    console = console_of(request)
    form = await request.post()
    now = console.clock.now()
    try:
        user = check_init_data(str(form.get("init_data", "")), console.config.bot_token, now=now)
    except InitDataError as exc:
        return forbidden(request, f"Mini App init data refused: {exc}")
    # Which chat's view: the page's ?chat=, or the signed start_param of a direct link.
    hint = str(form.get("chat", "")).strip() or (user.start_param or "")
    async with console.database.transaction() as session:
        chats = await store.linked_chats(session=session)
    if hint.lstrip("-").isdigit():
        chats = [chat for chat in chats if chat[0] == int(hint)]
    language = language_for(user.language_code, console.config.default_language)
    for chat_id, target, target_id in chats:
        membership = await console.members.check(console.bot, chat_id, user.id)
        if membership is not Membership.member:
            continue
        async with console.database.transaction() as session:
            token = await store.open_session(
                session=session,
                target=target,
                target_id=target_id,
                user_id=user.id,
                language=language,
                now=now,
            )
        log.info(
            "console: user %s logged in as %s %s (chat %s)", user.id, target, target_id, chat_id
        )
        response = web.json_response({"ok": True, "next": _home(request)})
        _with_session(response, request, token)
        return response
    return forbidden(request, f"user {user.id} is a member of no linked chat", language)


async def logout(request: web.Request) -> web.StreamResponse:
    """End the session and forget the cookie."""
    console = console_of(request)
    token = request.cookies.get(COOKIE)
    if token:
        async with console.database.transaction() as session:
            await store.logout(session=session, token=token, now=console.clock.now())
    response = page("logged_out.html", console.config.default_language, base=console.config.base)
    response.del_cookie(COOKIE, path=console.config.base or "/")
    return response
