"""Bot API methods other than sending: updates, webhook, commands, files, chats, callbacks."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from typing import Any

from emulator.errors import ApiError, bad_request
from emulator.limits import MAX_CALLBACK_ANSWER
from emulator.models import CallbackAnswer, Chat
from emulator.params import Params
from emulator.state import EmulatorState, Handler

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_MAX_DOWNLOAD = 20 * 1024 * 1024
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_pin_messages": True,
    "can_manage_topics": False,
}


async def get_me(state: EmulatorState, p: Params) -> Any:
    """getMe."""
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(state: EmulatorState, p: Params) -> Any:
    """getUpdates: confirm by offset, then long-poll up to `timeout` seconds."""
    if state.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = p.get_int("offset", 0) or 0
    limit = min(100, max(1, p.get_int("limit", 100) or 100))
    timeout = max(0.0, p.get_float("timeout") or 0.0)
    allowed = p.get_list("allowed_updates")
    if allowed is not None:
        state.allowed_updates = [str(kind) for kind in allowed] or None
    if offset:
        state.confirm(offset)
    state.poll_generation += 1
    generation = state.poll_generation
    state.notify()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if generation != state.poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            )
        ready = state.deliverable(state.allowed_updates)[:limit]
        remaining = deadline - loop.time()
        if ready or state.closing or remaining <= 0:
            return copy.deepcopy(ready)
        await state.wait_changed(remaining)


async def set_webhook(state: EmulatorState, p: Params) -> Any:
    """setWebhook (an empty url removes it). Updates are then POSTed to the url."""
    url = p.get_str("url") or ""
    if p.get_bool("drop_pending_updates"):
        state.updates.clear()
    if not url:
        state.webhook = None
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    allowed = p.get_list("allowed_updates")
    if allowed is not None:
        state.allowed_updates = [str(kind) for kind in allowed] or None
    state.webhook = {
        "url": url,
        "secret_token": p.get_str("secret_token"),
        "max_connections": p.get_int("max_connections", 40),
        "last_error_date": None,
        "last_error_message": None,
    }
    state.poll_generation += 1
    state.notify()
    return True


async def delete_webhook(state: EmulatorState, p: Params) -> Any:
    """deleteWebhook."""
    if p.get_bool("drop_pending_updates"):
        state.updates.clear()
    state.webhook = None
    state.notify()
    return True


async def get_webhook_info(state: EmulatorState, p: Params) -> Any:
    """getWebhookInfo."""
    hook = state.webhook or {}
    info: dict[str, Any] = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(state.deliverable(state.allowed_updates)),
    }
    if hook:
        info["max_connections"] = hook.get("max_connections") or 40
        if hook.get("last_error_date"):
            info["last_error_date"] = hook["last_error_date"]
            info["last_error_message"] = hook["last_error_message"]
        if state.allowed_updates:
            info["allowed_updates"] = state.allowed_updates
    return info


async def ok(state: EmulatorState, p: Params) -> Any:
    """Methods that only need to succeed (logOut, close, pinChatMessage, ...)."""
    if p.raw("chat_id") is not None:
        state.chat_for_bot(p.raw("chat_id"))
    return True


def _commands_key(p: Params) -> tuple[str, str]:
    """Commands are stored per (scope, language_code)."""
    scope = p.get_obj("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.get_str("language_code") or ""


async def set_my_commands(state: EmulatorState, p: Params) -> Any:
    """setMyCommands."""
    commands = p.get_list("commands")
    if commands is None:
        raise bad_request('parameter "commands" is required')
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    state.commands[_commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


async def get_my_commands(state: EmulatorState, p: Params) -> Any:
    """getMyCommands."""
    return copy.deepcopy(state.commands.get(_commands_key(p), []))


async def delete_my_commands(state: EmulatorState, p: Params) -> Any:
    """deleteMyCommands."""
    state.commands.pop(_commands_key(p), None)
    return True


async def set_chat_menu_button(state: EmulatorState, p: Params) -> Any:
    """setChatMenuButton (for one private chat, or the default)."""
    button = p.get_obj("menu_button") or {"type": "default"}
    if p.raw("chat_id") is None:
        state.default_menu_button = button
        return True
    chat = state.chat_for_bot(p.raw("chat_id"))
    if not chat.is_private:
        raise bad_request("menu button can be set only in private chats")
    chat.menu_button = button
    return True


async def get_chat_menu_button(state: EmulatorState, p: Params) -> Any:
    """getChatMenuButton."""
    if p.raw("chat_id") is None:
        return state.default_menu_button
    chat = state.chat_for_bot(p.raw("chat_id"))
    return chat.menu_button or state.default_menu_button


def _bot_setting(name: str, field: str) -> tuple[Handler, Handler]:
    """A (setMyX, getMyX) pair storing one text per language."""

    async def setter(state: EmulatorState, p: Params) -> Any:
        """Store the value for the language."""
        state.bot_settings[f"{name}:{p.get_str('language_code') or ''}"] = p.get_str(field) or ""
        return True

    async def getter(state: EmulatorState, p: Params) -> Any:
        """Read the value for the language."""
        value = state.bot_settings.get(f"{name}:{p.get_str('language_code') or ''}", "")
        if name == "name" and not value:
            value = state.bot_first_name
        return {field: value}

    return setter, getter


async def get_file(state: EmulatorState, p: Params) -> Any:
    """getFile."""
    stored = state.files.get(p.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > _MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


async def get_chat(state: EmulatorState, p: Params) -> Any:
    """getChat: a ChatFullInfo."""
    chat = state.chat_for_bot(p.raw("chat_id"), allow_blocked=True)
    info = chat.to_dict()
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    return info


def _member(state: EmulatorState, chat: Chat, user_id: int) -> dict[str, Any]:
    """The ChatMember object of `user_id` in `chat`."""
    if user_id == state.bot_id:
        user = state.bot_user()
        if chat.is_private:
            return {"status": "member", "user": user}
        if chat.bot_kicked:
            return {"status": "kicked", "user": user, "until_date": 0}
        if chat.bot_left:
            return {"status": "left", "user": user}
        if chat.bot_is_admin:
            return {"status": "administrator", "user": user, **ADMIN_RIGHTS}
        return {"status": "member", "user": user}
    known = state.users.get(user_id)
    if known is None:
        raise bad_request("user not found")
    user = known.to_dict()
    if chat.is_private:
        if chat.id != user_id:
            raise bad_request("user not found")
        return {"status": "member", "user": user}
    if user_id == chat.creator_id:
        return {"status": "creator", "user": user, "is_anonymous": False}
    if user_id in chat.admin_ids:
        return {"status": "administrator", "user": user, **ADMIN_RIGHTS}
    if user_id in chat.member_ids:
        return {"status": "member", "user": user}
    return {"status": "left", "user": user}


async def get_chat_member(state: EmulatorState, p: Params) -> Any:
    """getChatMember."""
    chat = state.chat_for_bot(p.raw("chat_id"), allow_blocked=True)
    user_id = p.get_int("user_id")
    if user_id is None:
        raise bad_request("user_id is empty")
    return _member(state, chat, user_id)


async def get_chat_administrators(state: EmulatorState, p: Params) -> Any:
    """getChatAdministrators (creator first, then admins, then the bot if it is one)."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    if chat.is_private:
        raise bad_request("there are no administrators in the private chat")
    ids = [chat.creator_id] if chat.creator_id is not None else []
    ids += [i for i in chat.admin_ids if i != chat.creator_id]
    if chat.bot_is_admin:
        ids.append(state.bot_id)
    return [_member(state, chat, i) for i in ids]


async def get_chat_member_count(state: EmulatorState, p: Params) -> Any:
    """getChatMemberCount."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    if chat.is_private:
        return 2
    members = set(chat.member_ids) | set(chat.admin_ids)
    if chat.creator_id is not None:
        members.add(chat.creator_id)
    return len(members) + 1


async def leave_chat(state: EmulatorState, p: Params) -> Any:
    """leaveChat."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    if chat.is_private:
        raise bad_request("chat member status can't be changed in private chats")
    chat.bot_left = True
    state.notify()
    return True


async def answer_callback_query(state: EmulatorState, p: Params) -> Any:
    """answerCallbackQuery: once per query id."""
    query_id = p.get_str("callback_query_id") or ""
    query = state.callback_queries.get(query_id)
    if query is None or query_id in state.callback_answers:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.get_str("text")
    if state.enforce_limits and text and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    state.callback_answers[query_id] = CallbackAnswer(
        text=text,
        show_alert=p.get_bool("show_alert"),
        url=p.get_str("url"),
        cache_time=p.get_int("cache_time"),
    )
    state.notify()
    return True


_set_name, _get_name = _bot_setting("name", "name")
_set_description, _get_description = _bot_setting("description", "description")
_set_short, _get_short = _bot_setting("short_description", "short_description")

HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "logOut": ok,
    "close": ok,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "setMyName": _set_name,
    "getMyName": _get_name,
    "setMyDescription": _set_description,
    "getMyDescription": _get_description,
    "setMyShortDescription": _set_short,
    "getMyShortDescription": _get_short,
    "getFile": get_file,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
    "answerCallbackQuery": answer_callback_query,
    "pinChatMessage": ok,
    "unpinChatMessage": ok,
    "unpinAllChatMessages": ok,
    "setMessageReaction": ok,
}
