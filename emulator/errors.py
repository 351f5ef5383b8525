"""Errors that the emulator answers with, in Telegram's own words."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Remember the status code, the description and optional parameters."""
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        parameters: dict[str, Any] = {}
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if parameters:
            body["parameters"] = parameters
        return body


class DropConnection(Exception):
    """Close the HTTP connection without an answer (fault injection)."""


def bad_request(reason: str) -> ApiError:
    """A 400 answer; `reason` is the text after "Bad Request: "."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """A 403 answer; `reason` is the text after "Forbidden: "."""
    return ApiError(403, f"Forbidden: {reason}")


def migrated(new_chat_id: int) -> ApiError:
    """The answer to any call to a group that was upgraded to a supergroup."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=new_chat_id,
    )


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 answer with parameters.retry_after."""
    retry_after = max(1, int(retry_after))
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def unauthorized() -> ApiError:
    """The answer to a wrong token."""
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    """The answer to an unknown method or file."""
    return ApiError(404, "Not Found")


def bad_gateway() -> ApiError:
    """The answer of an overloaded or restarting Bot API front end."""
    return ApiError(502, "Bad Gateway")
