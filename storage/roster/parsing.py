"""Parsing a roster file: YAML with the line of every place, then the specs' validation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import ValidationError

from storage.roster.errors import (
    Loc,
    RosterError,
    RosterProblem,
    field_name,
    line_of,
    sorted_unique,
)
from storage.roster.shape import ParsedRoster, RosterSpec
from storage.roster.wording import PLAIN_TYPES, RosterValueError


class _RosterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is a field error with a line."""


# Per-class copy, so yaml.SafeLoader itself keeps resolving timestamps.
_RosterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _index(
    node: yaml.Node,
    loc: Loc,
    lines: dict[Loc, int],
    duplicates: list[tuple[Loc, int]],
    ancestors: frozenset[int] = frozenset(),
) -> None:
    """Record the line of every place under `node`; note keys given twice in one mapping."""
    if id(node) in ancestors:  # an alias that refers to itself
        return
    ancestors = ancestors | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = str(key_node.value)
            child = (*loc, key)
            line = key_node.start_mark.line + 1
            if key in seen:
                duplicates.append((child, line))
                continue
            seen.add(key)
            lines[child] = line
            _index(value_node, child, lines, duplicates, ancestors)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            child = (*loc, position)
            lines[child] = item.start_mark.line + 1
            _index(item, child, lines, duplicates, ancestors)


def _problem(error: Any) -> tuple[str, dict[str, Any]]:
    """The problem code and values of one pydantic error (wording: storage/roster/wording.py)."""
    kind = error["type"]
    if kind == "missing":
        return "missing", {}
    if kind == "extra_forbidden":
        return "extra", {}
    if kind == "model_type" and not error["loc"]:
        return "root_type", {}
    if kind == "value_error":
        cause = error["ctx"]["error"]
        if isinstance(cause, RosterValueError):
            return cause.code, dict(cause.values)
        return "pydantic", {"text": str(cause)}
    if kind == "literal_error":
        return "literal", {"expected": error["ctx"]["expected"], "got": error["input"]}
    if kind not in PLAIN_TYPES:
        return "pydantic", {"text": str(error["msg"])}
    if isinstance(error["input"], str | int | float | bool):
        return f"{kind}_got", {"got": error["input"]}
    return kind, {}


def _scalar_code(item: object) -> str | None:
    """The `code` of a raw list item, when there is a usable one."""
    if isinstance(item, dict):
        code = item.get("code")
        if isinstance(code, str):
            return code.strip()
    return None


def _duplicate_codes(data: object) -> Iterator[tuple[Loc, Loc, str, str]]:
    """(place, first place, kind, code) for every code used twice where codes must be unique."""
    if not isinstance(data, dict):
        return

    def items(value: object) -> list[object]:
        return value if isinstance(value, list) else []

    # Village codes are global, so they must be unique across all groups of the file.
    lists: list[tuple[str, dict[str, Loc], Loc, list[object]]] = []
    villages: dict[str, Loc] = {}
    lists.append(("group", {}, ("groups",), items(data.get("groups"))))
    for g, group in enumerate(items(data.get("groups"))):
        village_list = group.get("villages") if isinstance(group, dict) else None
        lists.append(("village", villages, ("groups", g, "villages"), items(village_list)))
    lists.append(("department", {}, ("departments",), items(data.get("departments"))))
    lists.append(("category", {}, ("categories",), items(data.get("categories"))))
    for kind, seen, base, entries in lists:
        for n, entry in enumerate(entries):
            code = _scalar_code(entry)
            if code is None:
                continue
            loc = (*base, n, "code")
            if code in seen:
                yield loc, seen[code], kind, code
            else:
                seen[code] = loc


def parse_roster(text: str, source: str) -> ParsedRoster:
    """Validate a roster file's text; raise RosterError listing every problem with its line."""
    loader = _RosterLoader(text)
    lines: dict[Loc, int] = {}
    duplicate_keys: list[tuple[Loc, int]] = []
    try:
        node = loader.get_single_node()
        if node is None:
            raise RosterError([RosterProblem.of(source, 1, "", "empty")])
        lines[()] = node.start_mark.line + 1
        _index(node, (), lines, duplicate_keys)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise RosterError([RosterProblem.of(source, line, "", "yaml_syntax", what=what)]) from None
    except yaml.YAMLError as exc:
        raise RosterError([RosterProblem.of(source, 1, "", "yaml", what=str(exc))]) from None
    finally:
        loader.dispose()

    def at(loc: Loc, what: str, line: int | None = None, /, **values: Any) -> RosterProblem:
        return RosterProblem.of(
            source, line or line_of(lines, loc), field_name(loc), what, **values
        )

    problems = [at(loc, "duplicate_key", line) for loc, line in duplicate_keys]
    for loc, first, kind, code in _duplicate_codes(data):
        problems.append(at(loc, f"duplicate_{kind}", code=code, line=line_of(lines, first)))
    spec: RosterSpec | None = None
    try:
        spec = RosterSpec.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            # A missing field has no line of its own: name the mapping it is missing from.
            line_loc = loc[:-1] if error["type"] == "missing" else loc
            code, values = _problem(error)
            problems.append(at(loc, code, line_of(lines, line_loc), **values))
    if spec is not None:
        problems += [
            at(loc, what, None, **values) for loc, what, values in dispatch_problems(spec)
        ]
    if problems or spec is None:
        raise RosterError(sorted_unique(problems))
    return ParsedRoster(source, spec, lines)


def dispatch_problems(spec: RosterSpec) -> Iterator[tuple[Loc, str, dict[str, Any]]]:
    """What is wrong with the 派单目录: an unknown category or department, or one it cannot be."""
    categories = {code: sensitive for code, _zh, _en, _d, sensitive in spec.category_rows()}
    departments = {d.code: d for d in spec.departments}
    for code, entry in spec.dispatch.items():
        if code not in categories:
            known = ", ".join(categories)
            yield ("dispatch", code), "unknown_category", {"code": code, "known": known}
        elif categories[code]:
            yield ("dispatch", code), "sensitive_category", {"code": code}
        department = departments.get(entry.department)
        if department is None:
            yield (
                ("dispatch", code, "department"),
                "unknown_department",
                {"department": entry.department},
            )
