"""The yardstick: a bare python-telegram-bot echo bot (PTB's own example, polling).

    python bench/echo_bot.py http://127.0.0.1:PORT 123456:TOKEN

Every message is answered with its text, every button press with answerCallbackQuery.
bench/residents.py runs it beside the bot, against the same emulator, in the same run.
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the message back."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(message.text or "ok")


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press."""
    if update.callback_query is not None:
        await update.callback_query.answer()


def main(root: str, token: str) -> None:
    """Poll until killed."""
    application = Application.builder().token(token).base_url(f"{root}/bot").build()
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(press))
    application.run_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
