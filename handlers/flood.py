"""What a resident hears once when they send faster than a person types (bot/flood.py)."""

from __future__ import annotations

from telegram import Update

from handlers import calls
from handlers.context import UpdateScope
from handlers.i18n import language_for, t
from storage import outbox


def warn(update: Update, scope: UpdateScope) -> None:
    """Queue the one notice: slow down, wait a minute, nothing written is lost."""
    user, chat = update.effective_user, update.effective_chat
    if chat is None:
        return
    language = language_for(user.language_code if user else None, scope.default_language)
    text = t(language, "flood.notice")
    query = update.callback_query
    if query is not None:
        scope.after_commit.append(lambda: query.answer())
    call = calls.message(text, chat_id=chat.id)
    outbox.enqueue_call(
        session=scope.session,
        chat_id=chat.id,
        method=call.method,
        params=call.params,
        now=scope.now,
    )
    scope.wrote_outbox = True
