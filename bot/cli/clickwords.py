"""click's own words (Usage, Options, Error: No such option...) in the operator's language.

Typer 0.29 vendors click (typer._click) with its messages as plain f-strings, no longer marked
for gettext (only a few of typer's own, such as "Options", still are), so a gettext catalog for
click's msgids would translate almost nothing. click's supported hooks are used instead: a
Context subclass whose `formatter_class` writes the help's fixed words from our catalog, set on
every command of the tree, and usage errors re-raised by the root group (GuardedGroup) as one
that shows itself from the catalog. English keeps click's wording (the en catalog holds it).
"""

from __future__ import annotations

import re
from typing import IO, Any

import typer
from typer._click.core import Command, Context
from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption, UsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

from bot.cli.i18n import say

# click's headings (typer's gettext msgids) and its help option's text.
HEADINGS = {
    "Options": "click.options",
    "Commands": "click.commands",
    "Arguments": "click.arguments",
}
HELP_OPTION = "Show this message and exit."
# The bracket click adds at the end of an option's help: "[default: 8090; required]".
EXTRA = re.compile(r"\[([^\[\]]*)\]\s*$")
NO_COMMAND = re.compile(r"^No such command '(?P<name>.+?)'\.(?: Did you mean (?P<near>.+)\?)?$")
EXTRA_ARGS = re.compile(r"^Got unexpected extra arguments? \((?P<args>.*)\)$")


class SaidFormatter(HelpFormatter):
    """click's help formatter with its fixed words from the catalog."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """The usage line: 用法：xuncha [选项] 命令 [参数]..."""
        args = args.replace("[OPTIONS]", say("click.meta.options"))
        args = args.replace("COMMAND [ARGS]...", say("click.meta.command"))
        super().write_usage(prog, args, prefix=say("click.usage") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        """A section heading: 选项：, 命令："""
        name = say(f"click.heading.{heading.lower()}") if heading in HEADINGS else heading
        self.write(f"{'':>{self.current_indent}}{say('click.section', heading=name)}\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """Options and commands, with the help option's text and [default/required] said."""
        super().write_dl(
            [(first, _said_help(second)) for first, second in rows], col_max, col_spacing
        )


def _said_help(text: str) -> str:
    """An option's help with click's own parts from the catalog."""
    if text == HELP_OPTION:
        return say("click.help_option")
    found = EXTRA.search(text)
    if found is None:
        return text
    parts = []
    for part in found.group(1).split("; "):
        if part == "required":
            parts.append(say("click.required"))
        elif part.startswith("default: "):
            parts.append(say("click.default", value=part.removeprefix("default: ")))
        elif part.startswith("env var: "):
            parts.append(say("click.env_var", name=part.removeprefix("env var: ")))
        else:
            parts.append(part)
    return text[: found.start()] + say("click.extra", parts=say("click.separator").join(parts))


class SaidContext(Context):
    """click's context with the catalog's formatter."""

    formatter_class = SaidFormatter


def use_said_context(command: Command) -> None:
    """Give `command` and every command under it the catalog's context (click's documented way
    to change the formatter: a Context subclass, chosen by Command.context_class)."""
    command.context_class = SaidContext
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            use_said_context(sub)


class SaidUsageError(UsageError):
    """A usage error shown from the catalog: the usage line, where to find help, the error."""

    def __init__(self, message: str, ctx: Context | None, exit_code: int) -> None:
        super().__init__(message, ctx)
        self.exit_code = exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        """Print it as click would, in the operator's language."""
        if self.ctx is not None:
            typer.echo(self.ctx.get_usage(), file=file, err=file is None)
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = say(
                    "click.try_help",
                    command=self.ctx.command_path,
                    option=self.ctx.help_option_names[0],
                )
                typer.echo(hint + "\n", file=file, err=file is None)
        typer.echo(say("click.error", message=self.message), file=file, err=file is None)


def said(exc: UsageError) -> SaidUsageError:
    """`exc` with its message from the catalog (click's own words when it is not known)."""
    return SaidUsageError(_message(exc), exc.ctx, exc.exit_code)


def _message(exc: UsageError) -> str:
    """What went wrong, in the catalog's words."""
    if isinstance(exc, NoSuchOption):
        text = say("click.no_such_option", option=exc.option_name)
        if exc.possibilities:
            text += say("click.possible", options=", ".join(sorted(exc.possibilities)))
        return text
    if isinstance(exc, MissingParameter):
        hint = _hint(exc)
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        kind = kind if kind in ("argument", "option") else "parameter"
        return say("click.missing", kind=say(f"click.kind.{kind}"), hint=hint)
    if isinstance(exc, BadParameter):
        return say("click.bad_value", hint=_hint(exc), message=exc.message)
    if exc.message == "Missing command.":
        return say("click.missing_command")
    found = NO_COMMAND.match(exc.message)
    if found is not None:
        text = say("click.no_such_command", name=found["name"])
        if found["near"]:
            text += say("click.did_you_mean", names=found["near"])
        return text
    found = EXTRA_ARGS.match(exc.message)
    if found is not None:
        return say("click.extra_args", args=found["args"])
    return exc.format_message()


def _hint(exc: BadParameter) -> str:
    """The parameter a usage error is about, as click names it ('FILE', '--port')."""
    if exc.param_hint is not None:
        hint = exc.param_hint
    elif exc.param is not None:
        hint = exc.param.get_error_hint()
    else:
        return ""
    if isinstance(hint, str):
        return hint
    return " / ".join(repr(x) for x in hint)
