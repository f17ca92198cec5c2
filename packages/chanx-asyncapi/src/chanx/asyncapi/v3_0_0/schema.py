"""The Schema Object: a payload schema (the AsyncAPI superset of JSON Schema Draft 07).

The generator keeps schemas as plain dicts (they come from Pydantic); this model is for code
that wants typed access to one, e.g. ``SchemaObject.model_validate(doc.get_schema("Chat"))``.
Keywords not listed here are kept as extra fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SchemaObject"]


class SchemaObject(BaseModel):
    """A JSON Schema with the keywords chanx documents typed; any other keyword is kept."""

    model_config = ConfigDict(
        extra="allow", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    ref: str | None = Field(default=None, alias="$ref")
    title: str | None = None
    description: str | None = None
    type: str | list[str] | None = None
    properties: dict[str, SchemaObject] | None = None
    required: list[str] | None = None
    items: SchemaObject | list[SchemaObject] | None = None
    additional_properties: bool | SchemaObject | None = Field(
        default=None, alias="additionalProperties"
    )
    enum: list[Any] | None = None
    const: Any = None
    default: Any = None
    examples: list[Any] | None = None
    all_of: list[SchemaObject] | None = Field(default=None, alias="allOf")
    any_of: list[SchemaObject] | None = Field(default=None, alias="anyOf")
    one_of: list[SchemaObject] | None = Field(default=None, alias="oneOf")
    not_: SchemaObject | None = Field(default=None, alias="not")
    if_: SchemaObject | None = Field(default=None, alias="if")
    then: SchemaObject | None = None
    else_: SchemaObject | None = Field(default=None, alias="else")
    discriminator: str | None = None
    format: str | None = None
