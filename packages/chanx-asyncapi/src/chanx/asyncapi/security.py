"""Security: what authenticator classes declare, and the permissions handlers require."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from chanx.asyncapi.v3_0_0 import SecurityScheme

__all__ = ["PERMISSIONS_EXTENSION", "SECURITY_ATTR", "security_schemes_of"]

#: Attribute an authenticator class sets to declare its credentials for ``securitySchemes``.
SECURITY_ATTR = "security_schemes"
#: Operation extension listing a handler's ``permission_classes`` by name. Its ``security``
#: refers to derived schemes ``<scheme>.<Permission>`` (same credential; the description
#: names the permissions), since AsyncAPI has no authorization object of its own.
PERMISSIONS_EXTENSION = "x-chanx-permissions"


def security_schemes_of(authenticator: type | None) -> dict[str, SecurityScheme]:
    """The schemes an authenticator class declares in ``security_schemes``.

    ``security_schemes`` maps a scheme name to a :class:`SecurityScheme` or its dict form,
    e.g. ``{"token": {"type": "httpApiKey", "name": "token", "in": "query"}}``. A malformed
    declaration raises ``ValueError`` naming the class and the scheme.
    """
    if authenticator is None:
        return {}
    declared = getattr(authenticator, SECURITY_ATTR, None)
    if declared is None:
        return {}
    where = f"{authenticator.__qualname__}.{SECURITY_ATTR}"
    if not isinstance(declared, Mapping):
        raise ValueError(f"{where} must map names to security schemes, got {declared!r}")
    return {str(name): scheme(value, f"{where}[{name!r}]") for name, value in declared.items()}


def scheme(value: object, where: str) -> SecurityScheme:
    """``value`` (a scheme or its dict form) as a :class:`SecurityScheme`, or ``ValueError``."""
    if isinstance(value, SecurityScheme):
        return value
    try:
        return SecurityScheme.model_validate(value)
    except ValidationError as exc:
        reason = exc.errors(include_url=False, include_input=False)[0]["msg"]
        raise ValueError(f"{where} is not a security scheme: {reason}") from None
