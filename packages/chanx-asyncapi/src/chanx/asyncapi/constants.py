"""Defaults of the AsyncAPI generator and the docs views."""

from __future__ import annotations

__all__ = [
    "DEFAULT_ASYNCAPI_DESCRIPTION",
    "DEFAULT_ASYNCAPI_TITLE",
    "DEFAULT_ASYNCAPI_VERSION",
    "DEFAULT_SERVER_PROTOCOL",
    "DEFAULT_SERVER_URL",
    "LOCAL_HOSTS",
]

#: ``info.title`` when none is configured.
DEFAULT_ASYNCAPI_TITLE = "AsyncAPI Documentation"
#: ``info.version`` when none is configured.
DEFAULT_ASYNCAPI_VERSION = "1.0.0"
#: ``info.description`` of the Django views and command when none is configured (omitted).
DEFAULT_ASYNCAPI_DESCRIPTION = ""
#: Host (and port) of the generated server entry.
DEFAULT_SERVER_URL = "localhost:8000"
#: Protocol of the generated server entry.
DEFAULT_SERVER_PROTOCOL = "ws"
#: A server URL containing one of these is named ``development``, any other ``production``.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1")
