"""The composition root: the one place where handlers and jobs are registered."""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import ApplicationBuilder, ChatMemberHandler, ContextTypes

import handlers.department
import handlers.group
import handlers.resident
import handlers.stats
from bot import jobs
from bot.application import XunchaApplication
from bot.bot_api import api_request
from bot.config import Settings
from bot.metrics import CountingRequest, Metrics
from handlers import bot_membership, console_link, members
from handlers.context import BotContext
from handlers.group import migration
from handlers.resident import after, followup, survey
from storage.clock import Clock, SystemClock
from storage.db import Database


def build_application(
    settings: Settings,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
    may_lead: Callable[[], bool] | None = None,
) -> XunchaApplication:
    """Build the bot's Application with every handler registered, in order."""
    # One registry per application (bot/metrics.py); every Bot API call is counted on its way.
    metrics = Metrics()
    # PTB's pool sizes (256 connections; 1 for getUpdates) over aiohttp, or httpx through
    # TELEGRAM_PROXY_URL (bot/bot_api.py); every call counted.
    calls = CountingRequest(metrics, api_request(settings, 256))
    polls = CountingRequest(metrics, api_request(settings, 1))
    application = (
        ApplicationBuilder()
        .application_class(XunchaApplication)
        .token(settings.telegram_bot_token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .context_types(ContextTypes(context=BotContext))
        .request(calls)
        .get_updates_request(polls)
        # Updates come from our own intake (bot/intake.py), which confirms them to
        # Telegram only after they are committed; PTB's Updater would confirm them first.
        .updater(None)
        .build()
    )
    assert isinstance(application, XunchaApplication)
    application.attach(
        database=database or Database(settings.database_url),
        clock=clock or SystemClock(),
        default_language=settings.default_language,
        metrics=metrics,
        may_lead=may_lead,
        requests=(calls, polls),
    )
    application.bot_data["daily_complaint_limit"] = settings.daily_complaint_limit
    application.bot_data["admin_ids"] = frozenset(settings.admin_ids)
    application.bot_data[console_link.CONSOLE_URL] = settings.console_url
    application.bot_data[console_link.MINIAPP_NAME] = settings.console_miniapp_name

    # Handlers. PTB tries handler groups in ascending order and runs the first match of each
    # group; a handler that has dealt with an update stops the rest (ApplicationHandlerStop).
    # 0. A group chat upgraded to a supergroup (group -2, before anything else): its link,
    #    queued messages, prompts and cards follow it to the new chat id.
    application.add_handlers(migration.handlers(), group=-2)
    #    And the bot's own membership (my_chat_member): removed from a linked chat, what is
    #    queued for it waits and the office is told; back, it goes out.
    application.add_handlers(bot_membership.handlers(), group=-2)
    #    And a member joined or left a group chat (chat_member): the membership cache that
    #    presses and prompt answers are checked against follows it (handlers/members.py).
    application.add_handler(
        ChatMemberHandler(members.on_chat_member, ChatMemberHandler.CHAT_MEMBER), group=-2
    )
    #    And, in private chats first of all (group -3): 补充材料 and 撤回 (issue 11), whose
    #    open prompt takes the resident's next messages; they stop further handling only then.
    application.add_handlers(after.handlers(), group=-3)
    # 1. Private chats, before the conversation (group -1): survey buttons and answers to an
    #    inspector's question. They stop further handling only when they acted.
    application.add_handlers(survey.handlers() + followup.handlers(), group=-1)
    # 2. Group chats (group 0): linking, card buttons, reply prompts, /open /find /overdue.
    application.add_handlers(handlers.group.handlers())
    #    Then /stats and /export in group and office chats (silent in an unlinked chat).
    application.add_handlers(handlers.stats.handlers())
    #    And /console: a one-time login link to the console, sent to the member in private.
    application.add_handlers(console_link.handlers())
    # 3. Residents in private chats (group 0): commands, then buttons, then the draft's step.
    application.add_handlers(handlers.resident.handlers())
    # 4. Department chats (group 1): the card's "done" button and the report it asks for;
    #    they act only in a chat linked to a department, after the group chat's handlers.
    application.add_handlers(handlers.department.handlers(), group=1)

    # Jobs (PTB's JobQueue, APScheduler underneath), started and stopped with the application.
    # 1. Every minute, every scheduled sweep (storage/schedule): due-date reminders, daily
    #    digests, weekly reports, the round's opening / warning / final report, survey
    #    reminders and closings, expired drafts. Idempotent, so a restart loses nothing.
    #    Only the leader among replicas runs them (the job asks application.may_lead).
    if settings.scheduled_jobs:
        jobs.register(application)
    return application
