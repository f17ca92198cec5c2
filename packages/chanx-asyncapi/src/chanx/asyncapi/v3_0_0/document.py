"""The root AsyncAPI 3.0.0 document."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, model_validator

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel, check_keys
from chanx.asyncapi.v3_0_0.channels import Channel
from chanx.asyncapi.v3_0_0.components import Components
from chanx.asyncapi.v3_0_0.info import Info
from chanx.asyncapi.v3_0_0.operations import Operation
from chanx.asyncapi.v3_0_0.servers import Server

__all__ = ["AsyncAPI"]


class AsyncAPI(SpecModel):
    """An AsyncAPI 3.0.0 document, as chanx generates and validates it."""

    asyncapi: Literal["3.0.0"]
    id: str | None = None
    info: Info
    servers: dict[str, Server | Reference] | None = None
    default_content_type: str | None = Field(
        default=None,
        validation_alias="defaultContentType",
        serialization_alias="defaultContentType",
    )
    channels: dict[str, Channel | Reference] | None = None
    operations: dict[str, Operation | Reference] | None = None
    components: Components | None = None

    @model_validator(mode="after")
    def _keys(self) -> Self:
        check_keys(self.servers, "server")
        check_keys(self.channels, "channel")
        check_keys(self.operations, "operation")
        return self

    def resolve(self, pointer: str) -> Any:
        """The object at a local ``$ref`` such as ``#/components/messages/ping``, or None."""
        if not pointer.startswith("#/"):
            return None
        node: Any = self
        for raw in pointer[2:].split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, SpecModel):
                node = _field(node, part)
            else:
                return None
            if node is None:
                return None
        return node

    def _get(self, mapping: dict[str, Any] | None, name: str) -> Any:
        found = (mapping or {}).get(name)
        seen = 0
        while isinstance(found, Reference) and seen < 32:  # follow chains, never loop
            found = self.resolve(found.ref)
            seen += 1
        return found

    def get_channel(self, name: str) -> Channel | None:
        """The channel called ``name`` (a reference followed), or None."""
        found = self._get(self.channels, name)
        return found if isinstance(found, Channel) else None

    def get_operation(self, name: str) -> Operation | None:
        """The operation called ``name`` (a reference followed), or None."""
        found = self._get(self.operations, name)
        return found if isinstance(found, Operation) else None

    def get_server(self, name: str) -> Server | None:
        """The server called ``name`` (a reference followed), or None."""
        found = self._get(self.servers, name)
        return found if isinstance(found, Server) else None

    def get_message(self, name: str) -> Any:
        """``components.messages[name]`` (a reference followed), or None."""
        return self._get(self.components.messages if self.components else None, name)

    def get_schema(self, name: str) -> dict[str, Any] | None:
        """``components.schemas[name]``, or None."""
        schemas = self.components.schemas if self.components else None
        return (schemas or {}).get(name)


def _field(model: SpecModel, spec_name: str) -> Any:
    """A field of ``model`` by its spec name (``securitySchemes``) or Python name."""
    for name, info in type(model).model_fields.items():
        if spec_name in (name, info.serialization_alias):
            return getattr(model, name)
    return (model.model_extra or {}).get(spec_name)
