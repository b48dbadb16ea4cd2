"""CLI group 'plan' (placeholder until its engine lands)."""

import typer

app = typer.Typer(no_args_is_help=True)
