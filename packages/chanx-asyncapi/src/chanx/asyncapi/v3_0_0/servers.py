"""Server objects: where clients connect."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import Field

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel
from chanx.asyncapi.v3_0_0.info import ExternalDocs, Tag
from chanx.asyncapi.v3_0_0.security import SecurityScheme

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Server", "ServerVariable", "server_from_url"]


class ServerVariable(SpecModel):
    """A variable substituted in a server's host or pathname."""

    enum: list[str] | None = None
    default: str | None = None
    description: str | None = None
    examples: list[str] | None = None


class Server(SpecModel):
    """One server: ``host`` (with port), ``protocol`` (``ws``/``wss``) and an optional path."""

    host: str = Field(min_length=1)
    protocol: str = Field(min_length=1)
    protocol_version: str | None = Field(
        default=None, validation_alias="protocolVersion", serialization_alias="protocolVersion"
    )
    pathname: str | None = None
    description: str | None = None
    title: str | None = None
    summary: str | None = None
    variables: dict[str, ServerVariable | Reference] | None = None
    security: list[SecurityScheme | Reference] | None = None
    tags: list[Tag] | None = None
    external_docs: ExternalDocs | Reference | None = Field(
        default=None, validation_alias="externalDocs", serialization_alias="externalDocs"
    )
    bindings: dict[str, Any] | Reference | None = None


def server_from_url(url: str, **extra: Any) -> Server:
    """A ``Server`` from a URL such as ``wss://chat.example.com/base``.

    Raises ``ValueError`` naming the URL when it has no scheme or host.
    """
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(
            f"a server URL needs a scheme and a host, e.g. ws://localhost:8000; got {url!r}"
        )
    fields: Mapping[str, Any] = {"host": parts.netloc, "protocol": parts.scheme}
    if parts.path not in ("", "/"):
        fields = {**fields, "pathname": parts.path.rstrip("/")}
    return Server.model_validate({**fields, **extra})
