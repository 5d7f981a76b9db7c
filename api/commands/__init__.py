"""The ``kg`` sub-commands, one module per group; what they share lives here."""

from __future__ import annotations

from typing import Annotated

import typer

# ``--json`` on every command that can print machine-readable output.
JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]


def fail(message: object) -> typer.Exit:
    """Print a one-line error on stderr and return the exit to raise (``raise fail(...) from None``)."""
    typer.echo(f"Lỗi: {message}", err=True)
    return typer.Exit(1)
