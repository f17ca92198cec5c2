"""The base of every spec object: unknown fields are errors unless they are ``x-`` extensions."""

from __future__ import annotations

import re
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["COMPONENT_KEY", "Reference", "SpecModel", "check_keys"]

#: Specification extensions (``x-...``) are the only free-form fields the spec allows.
EXTENSION = re.compile(r"^x-[\w.\-]+$")
#: Keys of ``components`` maps, channels and operations (the spec's key pattern).
COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9.\-_]+$")


class SpecModel(BaseModel):
    """An AsyncAPI object: fields by their spec names, ``x-`` extensions kept, nothing else.

    Extras are allowed at the Pydantic level so extensions survive a round trip; the validator
    below rejects every other unknown key, which makes ``validate`` catch typos like
    ``sumary``.
    """

    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    @model_validator(mode="after")
    def _only_extensions(self) -> Self:
        unknown = sorted(k for k in (self.model_extra or {}) if not EXTENSION.match(k))
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(map(repr, unknown))} in {type(self).__name__}; "
                "only x- extensions may be added"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data with spec names (``$ref``) and without unset (``None``) fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Reference(SpecModel):
    """A ``{"$ref": "#/..."}`` pointer to another object of the document."""

    ref: str = Field(validation_alias="$ref", serialization_alias="$ref", min_length=1)


def check_keys(mapping: dict[str, Any] | None, where: str) -> None:
    """Raise ``ValueError`` when a key of ``mapping`` breaks the spec's key pattern."""
    for key in mapping or {}:
        if not COMPONENT_KEY.match(key):
            raise ValueError(f"{where} key {key!r} must match {COMPONENT_KEY.pattern}")
