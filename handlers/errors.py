"""What a user hears when handling their update failed (never a traceback)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from handlers import calls
from handlers.context import UpdateScope
from handlers.i18n import language_for, t
from storage import outbox


def apologise(update: Update, scope: UpdateScope) -> None:
    """Queue a short apology to the user whose update could not be handled."""
    user = update.effective_user
    chat = update.effective_chat
    language = language_for(user.language_code if user else None, scope.default_language)
    text = t(language, "error.generic")
    query = update.callback_query
    if query is not None:
        scope.after_commit.append(lambda: query.answer(text, show_alert=True))
        return
    if chat is not None and chat.type == ChatType.PRIVATE:
        call = calls.message(text, chat_id=chat.id)
        outbox.enqueue_call(
            session=scope.session,
            chat_id=chat.id,
            method=call.method,
            params=call.params,
            now=scope.now,
        )
        scope.wrote_outbox = True
