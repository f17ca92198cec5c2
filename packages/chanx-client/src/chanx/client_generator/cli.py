"""The ``chanx`` command line: ``chanx generate-client -s SCHEMA -o OUT``."""

from __future__ import annotations

import shlex
import shutil
import sys
import warnings

import click

from chanx.client_generator._loader import LoadError
from chanx.client_generator._spec import SchemaError

__all__ = ["cli", "generate_client", "main"]
from chanx.client_generator.generator import ClientGenerator


@click.group()
def cli() -> None:
    """chanx tools."""


@cli.command("generate-client")
@click.option("--schema", "-s", required=True, help="AsyncAPI file, http(s) URL or MODULE:APP.")
@click.option(
    "--output", "-o", required=True, type=click.Path(file_okay=False), help="Output folder."
)
@click.option("--formatter", "-f", default=None, help="Format command (folder appended).")
@click.option("--no-format", is_flag=True, help="Do not format the generated code.")
@click.option("--no-readme", is_flag=True, help="Do not write README.md.")
@click.option("--clear-output", is_flag=True, help="Delete the whole output folder first.")
@click.option("--override-base", is_flag=True, help="Rewrite base/ even if it exists.")
@click.option("--no-clear-channels", is_flag=True, help="Keep existing channel folders.")
@click.option(
    "--language",
    "-l",
    type=click.Choice(["python", "typescript"]),
    default="python",
    show_default=True,
    help="Client language.",
)
@click.option("--app-dir", default=None, help="Folder put on sys.path for MODULE:APP.")
def generate_client(
    schema: str,
    output: str,
    formatter: str | None,
    no_format: bool,
    no_readme: bool,
    clear_output: bool,
    override_base: bool,
    no_clear_channels: bool,
    language: str,
    app_dir: str | None,
) -> None:
    """Generate a typed client package from an AsyncAPI 3 document."""
    command: list[str] | None = None
    if not no_format:
        if formatter is not None:
            command = shlex.split(formatter)
        elif shutil.which("ruff") is not None:
            command = ["ruff", "format"]
    generator = ClientGenerator(
        schema,
        output,
        generate_readme=not no_readme,
        clear_output=clear_output,
        override_base=override_base,
        clear_channels=not no_clear_channels,
        language=language,
        formatter=command,
        app_dir=app_dir,
    )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            written = generator.generate()
    except FileNotFoundError as exc:
        click.echo(f"❌ File not found: {exc.filename or schema}", err=True)
        sys.exit(1)
    except (LoadError, SchemaError) as exc:
        click.echo(f"❌ Invalid schema: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # a one-line message; never a traceback
        click.echo(f"❌ Error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    for warning in caught:
        click.echo(f"⚠ {warning.message}", err=True)
    click.echo(f"✅ {len(written)} files written to {output}")


def main() -> None:
    """Console-script entry point."""
    cli()
