"""``manage.py generate_asyncapi_schema``: write the project's AsyncAPI document.

No server is needed: the routes come from ``ASGI_APPLICATION`` (or ``--discovery-class``),
the server entry from ``--base-url`` (default ``WEBSOCKET_BASE_URL``, else
``ws://localhost:8000``), ``info`` from the options or the ``ASYNCAPI_*`` settings, and
``CAMELIZE``, ``ASYNCAPI_SERVERS`` and ``ASYNCAPI_SECURITY_SCHEMES`` from the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from chanx.channels.settings import chanx_settings
from chanx.routing.discovery import DEFAULT_BASE_URL, RouteDiscovery

DEFAULT_DISCOVERY = "chanx.channels.discovery.DjangoRouteDiscovery"


def server_of(base_url: str) -> tuple[str, str]:
    """Host and protocol of ``base_url``: ``wss://`` gives ``wss``, anything else ``ws``."""
    if "://" not in base_url:
        return base_url.rstrip("/"), "ws"
    parts = urlsplit(base_url)
    return parts.netloc, "wss" if parts.scheme == "wss" else "ws"


class Command(BaseCommand):
    """Generate the AsyncAPI 3.0 document of the project's WebSocket routes."""

    help = "Generate the AsyncAPI 3.0 document of the project's WebSocket routes."

    def add_arguments(self, parser: CommandParser) -> None:
        """The documented options."""
        parser.add_argument("--format", choices=["json", "yaml"], default="yaml")
        parser.add_argument("--file", help="Write here (UTF-8) instead of stdout.")
        parser.add_argument("--base-url", help="e.g. wss://chat.example.com (the server entry).")
        parser.add_argument("--title", help="info.title (default ASYNCAPI_TITLE).")
        parser.add_argument("--api-version", help="info.version (default ASYNCAPI_VERSION).")
        parser.add_argument("--description", help="info.description (ASYNCAPI_DESCRIPTION).")
        parser.add_argument(
            "--discovery-class", default=DEFAULT_DISCOVERY, help="Dotted path of a RouteDiscovery."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Discover, generate, write."""
        try:  # imported here: without the asyncapi extra, the command explains what is missing
            from chanx.asyncapi.generator import AsyncAPIGenerator
            from chanx.asyncapi.serialize import dump
        except ImportError as exc:
            raise CommandError(
                "this command needs chanx-asyncapi: pip install 'chanx-django[asyncapi]'"
            ) from exc
        settings = chanx_settings
        base_url = options["base_url"] or settings.WEBSOCKET_BASE_URL or DEFAULT_BASE_URL
        host, protocol = server_of(base_url)
        try:
            discovery_class = import_string(options["discovery_class"])
            discovery: RouteDiscovery = discovery_class()
            routes = discovery.discover_routes(base_url)
            if not routes:
                self.stderr.write(
                    "Warning: no WebSocket routes found; the document has no channels"
                )
            document = AsyncAPIGenerator(
                routes,
                title=options["title"] or settings.ASYNCAPI_TITLE,
                version=options["api_version"] or settings.ASYNCAPI_VERSION,
                description=(
                    options["description"]
                    if options["description"] is not None
                    else settings.ASYNCAPI_DESCRIPTION
                ),
                server_url=host,
                server_protocol=protocol,
                camelize=settings.CAMELIZE,
                servers=settings.ASYNCAPI_SERVERS,
                security_schemes=settings.ASYNCAPI_SECURITY_SCHEMES,
            ).generate()
            text = dump(document, options["format"])
        except Exception as exc:
            raise CommandError(f"Failed to generate schema: {exc}") from exc
        target = options["file"]
        if target is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(target).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Failed to write {target}: {exc.strerror or exc}") from exc
        self.stdout.write(f"AsyncAPI schema successfully generated: {target}")
