"""What can be wrong with a roster file, as a code and values: storage knows no catalogs, so the
command line says each problem from its own (bot/cli/locales, keys roster.problem.CODE); the
English wording here is the problem's `message` (logs, str(), the en catalog says the same)."""

from __future__ import annotations

from typing import Any

# pydantic's error types with a plain meaning; "_got" adds the value that was given.
_PLAIN = {
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "list_type": "must be a list",
    "string_type": "must be text (put it in quotes if it looks like a number or a date)",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
}
PLAIN_TYPES = frozenset(_PLAIN)

ENGLISH: dict[str, str] = {
    "empty": "the file is empty",
    "yaml_syntax": "YAML syntax: {what}",
    "yaml": "YAML: {what}",
    "not_utf8": "cannot be read: it is not UTF-8 text",
    "no_file": "cannot be read: No such file or directory",
    "unreadable": "cannot be read: {reason}",
    "duplicate_key": "is given twice in this mapping",
    "duplicate_group": "group code {code!r} is used twice (first at line {line})",
    "duplicate_village": "village code {code!r} is used twice (first at line {line})",
    "duplicate_department": "department code {code!r} is used twice (first at line {line})",
    "duplicate_category": "category code {code!r} is used twice (first at line {line})",
    "missing": "is required but missing",
    "extra": "is not a known field",
    "root_type": "the file must be a mapping with round, groups, departments and categories",
    "literal": "must be one of {expected}, got {got!r}",
    "pydantic": "{text}",
    "match": "{value!r} must match {pattern}",
    "not_empty": "must not be empty",
    "date_format": "must be a date like 2023-02-27, got {value!r}",
    "not_a_date": "{value!r} is not a real date",
    "time_zone": "{value!r} is not a known IANA time zone (e.g. Asia/Shanghai)",
    "between": "must be between {low:g} and {high:g}",
    "some_village": "must list at least one village",
    "some_group": "must list at least one group",
    "some_category": "must list at least one category (omit the key for the defaults)",
    "before_start": "must not be before starts_on ({starts_on})",
    "lat_lon": "lat and lon must be given together",
    "at_least": "must be at least {low}",
    "at_most": "must be at most {high}",
    "unknown_category": "category {code!r} is not one of the round's ({known})",
    "sensitive_category": (
        "category {code!r} is sensitive: it is only transferred, never handed off"
    ),
    "unknown_department": "department {department!r} is not in departments:",
    "overlap": (
        "village {village!r} is already covered by round {round} ({starts} to {ends}), "
        "whose dates overlap"
    ),
    **_PLAIN,
    **{f"{kind}_got": f"{text}, got {{got!r}}" for kind, text in _PLAIN.items()},
}

# A problem's values, kept hashable (problems are deduplicated).
Values = tuple[tuple[str, Any], ...]


def english(code: str, values: Values) -> str:
    """The English wording of a problem."""
    return ENGLISH[code].format(**dict(values))


class RosterValueError(ValueError):
    """A field validator's refusal, with its code and values (pydantic keeps the exception)."""

    def __init__(self, code: str, /, **values: Any) -> None:
        self.code = code
        self.values: Values = tuple(values.items())
        super().__init__(english(code, self.values))
