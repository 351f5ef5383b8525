"""Request parameters: decoding GET, JSON, urlencoded and multipart bodies into typed values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from emulator.errors import bad_request

_J = TypeVar("_J")

# Fields whose value is an object or array; form bodies carry them as JSON strings.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "media",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "reply_parameters",
        "link_preview_options",
        "message_ids",
        "reaction",
        "permissions",
        "input_message_content",
        "results",
    }
)
INT_FIELDS = frozenset(
    {
        "offset",
        "limit",
        "timeout",
        "message_id",
        "from_chat_id",
        "user_id",
        "reply_to_message_id",
        "message_thread_id",
        "duration",
        "width",
        "height",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "cache_time",
        "max_connections",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "only_if_banned",
        "for_channels",
        "revoke_messages",
        "disable_content_type_detection",
    }
)


@dataclass
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


def _normalize(name: str, value: str) -> Any:
    """Turn a form string into the typed value Telegram would read from it."""
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in INT_FIELDS or name == "chat_id":
        try:
            return int(value)
        except ValueError:
            return value
    if name in FLOAT_FIELDS:
        try:
            return float(value)
        except ValueError:
            return value
    if name in BOOL_FIELDS:
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
    return value


class Params:
    """The parameters of one Bot API call, with typed accessors that answer 400 on bad input."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        """Keep the already normalized values and the uploaded file parts."""
        self.values = values
        self.uploads = uploads or {}

    @classmethod
    def from_form(cls, form: dict[str, str], uploads: dict[str, Upload]) -> Params:
        """Build from string fields (query, urlencoded or multipart) and file parts."""
        return cls({name: _normalize(name, value) for name, value in form.items()}, uploads)

    def loggable(self) -> dict[str, Any]:
        """The values plus a short description of each uploaded file, for the request log."""
        logged = dict(self.values)
        for name, upload in self.uploads.items():
            logged[name] = f"<upload {upload.filename or name}: {len(upload.data)} bytes>"
        return logged

    def has(self, name: str) -> bool:
        """Whether the parameter is present (as a value or as an uploaded file)."""
        return self.values.get(name) is not None or name in self.uploads

    def raw(self, name: str) -> Any:
        """The value as received, or None."""
        return self.values.get(name)

    def get_str(self, name: str, default: str | None = None) -> str | None:
        """A string parameter."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def get_float(self, name: str) -> float | None:
        """A number parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Number')
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Number') from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        """A boolean parameter."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        lowered = str(value).lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
        raise bad_request(f'field "{name}" must be of type Boolean')

    def get_obj(self, name: str) -> dict[str, Any] | None:
        """An object parameter (accepting a JSON string)."""
        return self._json(name, dict, "object")

    def get_list(self, name: str) -> list[Any] | None:
        """An array parameter (accepting a JSON string)."""
        return self._json(name, list, "array")

    def _json(self, name: str, kind: type[_J], what: str) -> _J | None:
        """A parameter holding a JSON value of type `kind`, given as such or as a JSON string."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON {what}") from None
        if not isinstance(value, kind):
            raise bad_request(f"can't parse {name} JSON {what}")
        return value
