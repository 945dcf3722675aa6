"""The ``regimen`` command: a thin layer over the library, one module a room (plan, course, site). Each command parses its options, makes
one library call and renders the result. Any RegimenError becomes a one-line ``Error: ...`` on
stderr and exit status 2; exporters are imported only by the command that needs them.
"""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..errors import ProtocolErrors, RegimenError


class _Group(click.Group):
    """Turns every RegimenError into one line on stderr and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ProtocolErrors as exc:
            for problem in exc.errors:
                click.echo(f"Error: {problem.located()}", err=True)
            ctx.exit(2)
        except RegimenError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except BrokenPipeError:  # the reader left (| head): stop quietly, as Python's docs advise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except OSError as exc:
            click.echo(f"Error: {exc.filename or 'standard output'}: {exc.strerror or exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="regimen")
@click.option("--protocols", "protocol_dirs", multiple=True, type=click.Path(file_okay=False),
              help=f"A folder of your own protocol files, searched before the shipped ones (repeatable; also ${'REGIMEN_PROTOCOLS'}).")
@click.pass_context
def main(ctx: click.Context, protocol_dirs: tuple[str, ...]) -> None:
    """Oncology trial regimens as patient dose and visit calendars.

    \b
    Example:
      regimen schedule NCT05760430 --arm experimental --start 2026-12-01 --weight "72 kg"
    """
    ctx.obj = {"dirs": protocol_dirs}


def load(ctx: click.Context, ref: str):
    """The protocol ``ref``, searched in ``--protocols`` folders first."""
    from ..loader import load_protocol

    return load_protocol(ref, ctx.obj["dirs"])


from . import course, plan, site  # noqa: E402,F401  (each registers its commands on main)

__all__ = ["main"]
