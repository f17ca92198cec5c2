"""The ``info`` object and the small objects it shares with others (tags, external docs)."""

from __future__ import annotations

from pydantic import Field

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel

__all__ = ["Contact", "ExternalDocs", "Info", "License", "Tag"]


class ExternalDocs(SpecModel):
    """A link to documentation outside the document."""

    url: str
    description: str | None = None


class Tag(SpecModel):
    """A label that groups channels or operations."""

    name: str = Field(min_length=1)
    description: str | None = None
    external_docs: ExternalDocs | Reference | None = Field(
        default=None, validation_alias="externalDocs", serialization_alias="externalDocs"
    )


class Contact(SpecModel):
    """Who to ask about the API."""

    name: str | None = None
    url: str | None = None
    email: str | None = None


class License(SpecModel):
    """Under which license the API is offered."""

    name: str
    url: str | None = None


class Info(SpecModel):
    """Title, version and description of the application."""

    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str | None = None
    terms_of_service: str | None = Field(
        default=None, validation_alias="termsOfService", serialization_alias="termsOfService"
    )
    contact: Contact | None = None
    license: License | None = None
    tags: list[Tag] | None = None
    external_docs: ExternalDocs | Reference | None = Field(
        default=None, validation_alias="externalDocs", serialization_alias="externalDocs"
    )
