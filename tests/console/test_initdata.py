"""The Mini App's init data check, against values signed as Telegram documents it
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app), computed
here from the documented steps, not with the code under test."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from console.initdata import InitDataError, check_init_data

TOKEN = "123456:TEST-TOKEN"
NOW = datetime(2023, 3, 14, 2, 0, tzinfo=UTC)


def signed(fields: dict[str, str], token: str = TOKEN) -> str:
    """The query string Telegram.WebApp.initData would carry for these fields."""
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(key=b"WebAppData", msg=token.encode(), digestmod=hashlib.sha256).digest()
    digest = hmac.new(key=secret, msg=check.encode(), digestmod=hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def fields(at: datetime = NOW, **user: object) -> dict[str, str]:
    """What Telegram sends: the user as JSON, the query id, when it was signed."""
    person = {"id": 4242, "first_name": "王", "language_code": "en", **user}
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(person, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(at.timestamp())),
    }


def test_genuine_init_data_names_its_user() -> None:
    user = check_init_data(signed(fields()), TOKEN, now=NOW + timedelta(minutes=5))
    assert (user.id, user.first_name, user.language_code) == (4242, "王", "en")
    assert user.auth_date == NOW


@pytest.mark.parametrize(
    "init_data",
    [
        # Signed with another bot's token.
        signed(fields(), "999:OTHER"),
        # A field changed after signing (another user id).
        signed(fields()).replace("4242", "4243"),
        # No hash at all.
        urlencode(fields()),
        "",
    ],
    ids=["other-token", "tampered", "no-hash", "empty"],
)
def test_forged_init_data_is_refused(init_data: str) -> None:
    with pytest.raises(InitDataError):
        check_init_data(init_data, TOKEN, now=NOW)


def test_stale_init_data_is_refused() -> None:
    data = signed(fields(at=NOW - timedelta(hours=1, seconds=1)))
    with pytest.raises(InitDataError, match="stale"):
        check_init_data(data, TOKEN, now=NOW)
    assert check_init_data(data, TOKEN, now=NOW - timedelta(minutes=1)).id == 4242
