"""``chanx-asyncapi``: generate, validate and serve AsyncAPI 3.0 docs of a chanx application.

Errors a user can fix (bad import path, nothing routed, unreadable file, busy port) end with
one ``Error: ...`` line that says what to do, and exit code 2, never a traceback; an invalid
document lists its problems and exits with 1. ``--version`` prints the version. Output is
coloured on a terminal only (click's convention), and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import IO, Any

import click

from chanx.asyncapi.__about__ import __version__
from chanx.asyncapi._loader import LoadError, load_target
from chanx.asyncapi.generator import NoConsumersError, generate
from chanx.asyncapi.serialize import Format, dump
from chanx.asyncapi.v3_0_0 import AsyncAPI
from chanx.asyncapi.validate import SpecFileError, load_file, validate_document

__all__ = ["main"]


def _color() -> bool | None:
    """None lets click colour only a terminal; ``NO_COLOR`` (no-color.org) turns it off."""
    return False if os.environ.get("NO_COLOR") else None


def _echo(message: str, *, err: bool = False, **style: Any) -> None:
    click.echo(click.style(message, **style) if style else message, err=err, color=_color())


class CliError(click.ClickException):
    """A one-line error with exit code 2."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        """``Error: ...`` on stderr, the prefix in red on a terminal."""
        prefix = click.style("Error:", fg="red", bold=True)
        click.echo(f"{prefix} {self.format_message()}", file=file, err=True, color=_color())


def _file_path_hint(target: str) -> str | None:
    """For ``path/to/app.py:app`` the module form that works: ``--app-dir path/to app:app``."""
    module, _, attr = target.partition(":")
    if not (module.endswith(".py") or "/" in module or "\\" in module):
        return None
    path = Path(module)
    name = path.stem if path.suffix == ".py" else path.name
    folder = str(path.parent) if str(path.parent) not in ("", ".") else "."
    suggestion = f"{name}:{attr}" if attr else name
    return (
        f"{target!r} is a file path; give a module path instead: "
        f"chanx-asyncapi ... --app-dir {folder} {suggestion}"
    )


def _document(target: str, app_dir: str | None, **options: Any) -> AsyncAPI:
    hint = _file_path_hint(target)
    if hint is not None:
        raise CliError(hint)
    try:
        source = load_target(target, app_dir)
        return generate(source, **options)
    except LoadError as exc:
        message = str(exc)
        if isinstance(exc.__cause__, ModuleNotFoundError) and message.startswith("cannot import"):
            where = Path(app_dir).resolve() if app_dir else Path.cwd()
            message += (
                f" (looked in {where}; run from the folder that contains it, "
                "or pass --app-dir FOLDER)"
            )
        raise CliError(message) from None
    except NoConsumersError:
        raise CliError(f"{target} routes no chanx consumer; nothing to document") from None
    except (TypeError, ValueError) as exc:
        raise CliError(f"cannot document {target}: {exc}") from None


_target = click.argument("target", metavar="MODULE:APP")
_app_dir = click.option(
    "--app-dir", type=click.Path(file_okay=False), help="Import MODULE from this directory."
)
_title = click.option("--title", help="info.title (default: the app's title).")
_version = click.option("--version", "api_version", help="info.version of the API.")
_server = click.option("--server-url", help="A server such as wss://chat.example.com.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="chanx-asyncapi")
def main() -> None:
    """Generate, validate and serve AsyncAPI 3.0 docs of chanx WebSocket applications.

    MODULE:APP is a FastAPI/Starlette app or a Django Channels router (ASGI application),
    e.g. myproject.asgi:application.
    """


@main.command("generate")
@_target
@click.option(
    "--format", "fmt", type=click.Choice(["json", "yaml"]), help="Default: from -o, else json."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@_title
@_version
@_server
@_app_dir
def generate_cmd(
    target: str,
    fmt: Format | None,
    output: str | None,
    title: str | None,
    api_version: str | None,
    server_url: str | None,
    app_dir: str | None,
) -> None:
    """Write the AsyncAPI 3.0.0 document of MODULE:APP."""
    if fmt is None:
        fmt = "yaml" if output and Path(output).suffix.lower() in (".yaml", ".yml") else "json"
    doc = _document(target, app_dir, title=title, version=api_version, server_url=server_url)
    text = dump(doc, fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {output!r}: {exc.strerror or exc}") from None
    _echo(f"wrote {output}", err=True, fg="green")


@main.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate_cmd(file: str) -> None:
    """Check FILE (JSON or YAML) against AsyncAPI 3.0.0 and chanx's semantic rules."""
    try:
        data = load_file(file)
    except SpecFileError as exc:
        raise CliError(str(exc)) from None
    problems = validate_document(data)
    if problems:
        for problem in problems:
            _echo(f"{file}: {problem}", err=True, fg="yellow")
        _echo(
            f"{file}: {len(problems)} problem(s); not a valid AsyncAPI 3.0.0 document",
            err=True,
            fg="red",
            bold=True,
        )
        raise SystemExit(1)
    channels, operations = len(data.get("channels") or {}), len(data.get("operations") or {})
    _echo(
        f"{file}: valid AsyncAPI 3.0.0 ({channels} channels, {operations} operations)", fg="green"
    )


@main.command("serve")
@_target
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--official-component",
    "component_base",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[BASE_URL]",
    help="Use the official renderer (pinned, SRI-checked) from BASE_URL, default unpkg.",
)
@_title
@_version
@_server
@_app_dir
def serve_cmd(
    target: str,
    host: str,
    port: int,
    component_base: str | None,
    title: str | None,
    api_version: str | None,
    server_url: str | None,
    app_dir: str | None,
) -> None:
    """Serve the docs page of MODULE:APP (plus /asyncapi.json and /asyncapi.yaml)."""
    from chanx.asyncapi.docs_page import official_component
    from chanx.asyncapi.docs_server import make_docs_server

    doc = _document(target, app_dir, title=title, version=api_version, server_url=server_url)
    try:
        component = None if component_base is None else official_component(component_base or None)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    try:
        server = make_docs_server(doc, host, port, component=component)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CliError(
                f"port {port} on {host} is already in use; pick another with --port N "
                "(--port 0 picks a free one)"
            ) from None
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_host, bound_port = server.server_address[:2]
    url = click.style(f"http://{bound_host!s}:{bound_port}/", fg="cyan", bold=True)
    click.echo(f"Serving AsyncAPI docs at {url} (Ctrl+C to stop)", color=_color())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
