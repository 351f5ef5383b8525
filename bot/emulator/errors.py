"""Errors that the emulator answers with, in Telegram's own words."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        """Remember the status code, the description and an optional retry_after."""
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class DropConnection(Exception):
    """Close the HTTP connection without an answer (fault injection)."""


def bad_request(reason: str) -> ApiError:
    """A 400 answer; `reason` is the text after "Bad Request: "."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """A 403 answer; `reason` is the text after "Forbidden: "."""
    return ApiError(403, f"Forbidden: {reason}")


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
