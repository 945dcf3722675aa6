"""The ``regimen`` command: a thin layer over the library, one module a room (plan, course, site). Each command parses its options, makes
one library call and renders the result. Any RegimenError becomes a one-line ``Error: ...`` on
stderr and exit status 2; exporters are imported only by the command that needs them.
"""

from __future__ import annotations

import os
import re
import sys

import click

from .. import __version__
from ..errors import ProtocolErrors, RegimenError


class Once(click.Option):
    """A single-value option given twice is an error naming it; click alone would keep the last silently."""

    def add_to_parser(self, parser, ctx: click.Context) -> None:
        multiple, self.multiple = self.multiple, True  # the parser appends, so a repeat can be seen
        try:
            super().add_to_parser(parser, ctx)
        finally:
            self.multiple = multiple

    def consume_value(self, ctx: click.Context, opts):
        given = opts.get(self.name)
        if isinstance(given, list):
            if len(given) > 1:
                shown = ", ".join(repr(v) for v in given) if not self.is_flag else f"{len(given)} times"
                raise click.UsageError(f"{_flag(self)} was given more than once ({shown}); give it once", ctx)
            opts = {**opts, self.name: given[0]}
        return super().consume_value(ctx, opts)


def _flag(param: click.Parameter) -> str:
    """How the command line spells a parameter: ``--weight``, ``-o/--output`` as ``--output``, ``PROTOCOL``."""
    if isinstance(param, click.Option):
        return max(param.opts, key=lambda o: (o.startswith("--"), len(o)))
    return param.human_readable_name


def _on_the_command_line(exc: RegimenError, command: click.Command | None) -> str:
    """The message with the library's parameter (``weight: ...``, ``pins.pve: ...``) said as its flag (``--weight``, ``--at pve``)."""
    option = getattr(exc, "option", None)
    if not option or command is None or not hasattr(exc, "detail"):
        return str(exc)
    head, _, rest = option.partition(".")
    flags = {p.name: _flag(p) for p in command.params if p.name}
    if head not in flags:
        return str(exc)
    return f"{flags[head]}{' ' + rest if rest else ''}: {exc.detail}"


_SURROGATES = re.compile("[\udc80-\udcff]")


def _utf8_arguments(args: list[str]) -> list[str]:
    """The command line as UTF-8 text whatever the locale: under a C or missing locale without UTF-8
    mode, Python decodes ``≥`` in an argument as ASCII with escapes (surrogates); the original bytes are
    UTF-8, so they are decoded again. Bytes that are not UTF-8 keep their escapes (and are refused)."""
    return [_redecoded(arg) if _SURROGATES.search(arg) else arg for arg in args]


def _redecoded(arg: str) -> str:
    try:
        return os.fsencode(arg).decode("utf-8")
    except UnicodeDecodeError:
        return arg


class _Group(click.Group):
    """Turns every RegimenError and usage error into one line on stderr and exit status 2, never a traceback."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        for param in cmd.params:  # every single-value option of every command refuses a repeat
            if type(param) is click.Option and not (param.multiple or param.count or param.is_flag):
                param.__class__ = Once
        super().add_command(cmd, name)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = _utf8_arguments(sys.argv[1:]) if args is None else list(args)
        problem = "an argument contains a NUL character" if any("\x00" in arg for arg in args) else (  # no shell can pass one; a caller can
            "an argument is not UTF-8 text" if any(_SURROGATES.search(arg) for arg in args) else None)
        if problem:
            error(problem)
            if not standalone_mode:
                return 2
            sys.exit(2)
        if standalone_mode:
            _stop_cleanly_on_sigterm()
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:  # usage errors and bad option values: one line, not Usage/Try/Error
            hint = f" (see '{exc.ctx.command_path} --help')" if isinstance(exc, click.UsageError) and exc.ctx else ""
            error(f"{' '.join(exc.format_message().split())}{hint}")
            result = exc.exit_code
            if not standalone_mode:
                raise
        except click.Abort:
            click.echo("Aborted!", err=True)
            result = 1
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's first sentence, whole (click would cut it at the line's width)."""
        rows = [(name, command.short_help or _first_sentence(command.help or "")) for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ProtocolErrors as exc:
            for problem in exc.errors:
                error(problem.located())
            ctx.exit(2)
        except RegimenError as exc:
            command = self.get_command(ctx, ctx.invoked_subcommand) if ctx.invoked_subcommand else None
            error(_on_the_command_line(exc, command))
            ctx.exit(2)
        except BrokenPipeError:  # the reader left (| head): stop quietly, as Python's docs advise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except OSError as exc:
            error(f"{exc.filename or 'standard output'}: {exc.strerror or exc}")
            ctx.exit(2)


_BREAKS = str.maketrans({c: repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def error(message: str) -> None:
    """``Error: message`` on stderr, on one line whatever the message quotes (a line break shows as ``\\n``)."""
    click.echo(f"Error: {message.translate(_BREAKS)}", err=True)


def _first_sentence(text: str) -> str:
    words = " ".join(text.split("\b")[0].split())
    for end in (". ", "? "):
        if end in words:
            return words[: words.index(end) + 1]
    return words


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="regimen")
@click.option("--protocols", "protocol_dirs", multiple=True, type=click.Path(file_okay=False),
              help=f"A folder of your own protocol files, searched before the shipped ones (repeatable; also ${'REGIMEN_PROTOCOLS'}).")
@click.option("--verbose", "-v", is_flag=True, help="Say every warning in full, in every command (by default each is one line).")
@click.pass_context
def main(ctx: click.Context, protocol_dirs: tuple[str, ...], verbose: bool = False) -> None:
    """Oncology trial regimens as patient dose and visit calendars.

    \b
    Example:
      regimen schedule NCT05760430 --arm experimental --start 2026-12-01 --weight "72 kg"
    """
    ctx.obj = {"dirs": protocol_dirs, "verbose": verbose}


def load(ctx: click.Context, ref: str):
    """The protocol ``ref``, searched in ``--protocols`` folders first."""
    from ..loader import load_protocol

    return load_protocol(ref, ctx.obj["dirs"])


from . import course, plan, schedule, screen, site, tools, toxicity  # noqa: E402,F401  (each registers its commands on main)

__all__ = ["Once", "error", "main"]


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM (``kill``, ``timeout``, a cancelled CI job) ends a command as Ctrl-C does: every
    ``with`` block closes, so a half-written output's temporary file is removed and the workers are
    stopped, and the command says "Aborted!" with status 1."""
    import contextlib
    import signal

    def stopped(number, frame) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread: signals are the application's
        signal.signal(signal.SIGTERM, stopped)
