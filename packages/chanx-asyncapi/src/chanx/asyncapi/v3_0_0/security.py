"""Security scheme objects: how a client proves who it is when it connects."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from chanx.asyncapi.v3_0_0._base import SpecModel

__all__ = ["OAuthFlow", "OAuthFlows", "SecurityScheme", "SecuritySchemeType"]

SecuritySchemeType = Literal[
    "userPassword",
    "apiKey",
    "X509",
    "symmetricEncryption",
    "asymmetricEncryption",
    "httpApiKey",
    "http",
    "oauth2",
    "openIdConnect",
    "plain",
    "scramSha256",
    "scramSha512",
    "gssapi",
]


class OAuthFlow(SpecModel):
    """One OAuth2 flow; which URLs are needed depends on the flow."""

    authorization_url: str | None = Field(
        default=None, validation_alias="authorizationUrl", serialization_alias="authorizationUrl"
    )
    token_url: str | None = Field(
        default=None, validation_alias="tokenUrl", serialization_alias="tokenUrl"
    )
    refresh_url: str | None = Field(
        default=None, validation_alias="refreshUrl", serialization_alias="refreshUrl"
    )
    available_scopes: dict[str, str] = Field(
        validation_alias="availableScopes", serialization_alias="availableScopes"
    )


class OAuthFlows(SpecModel):
    """The OAuth2 flows a scheme supports."""

    implicit: OAuthFlow | None = None
    password: OAuthFlow | None = None
    client_credentials: OAuthFlow | None = Field(
        default=None, validation_alias="clientCredentials", serialization_alias="clientCredentials"
    )
    authorization_code: OAuthFlow | None = Field(
        default=None, validation_alias="authorizationCode", serialization_alias="authorizationCode"
    )


# Fields each type requires, per the specification's security scheme table.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "apiKey": ("in_",),
    "httpApiKey": ("name", "in_"),
    "http": ("scheme",),
    "oauth2": ("flows",),
    "openIdConnect": ("open_id_connect_url",),
}
_IN: dict[str, tuple[str, ...]] = {
    "apiKey": ("user", "password"),
    "httpApiKey": ("query", "header", "cookie"),
}


class SecurityScheme(SpecModel):
    """A security scheme, e.g. ``{"type": "httpApiKey", "name": "token", "in": "query"}``."""

    type: SecuritySchemeType
    description: str | None = None
    name: str | None = None
    in_: str | None = Field(default=None, validation_alias="in", serialization_alias="in")
    scheme: str | None = None
    bearer_format: str | None = Field(
        default=None, validation_alias="bearerFormat", serialization_alias="bearerFormat"
    )
    flows: OAuthFlows | None = None
    open_id_connect_url: str | None = Field(
        default=None, validation_alias="openIdConnectUrl", serialization_alias="openIdConnectUrl"
    )
    scopes: list[str] | None = None

    @model_validator(mode="after")
    def _fields_of_type(self) -> Self:
        missing = [
            (type(self).model_fields[f].serialization_alias or f)
            for f in _REQUIRED.get(self.type, ())
            if getattr(self, f) is None
        ]
        if missing:
            raise ValueError(f"security scheme of type {self.type!r} needs {', '.join(missing)}")
        allowed = _IN.get(self.type)
        if allowed and self.in_ not in allowed:
            raise ValueError(
                f"security scheme of type {self.type!r}: 'in' must be one of {allowed}, "
                f"got {self.in_!r}"
            )
        return self
