"""AsyncAPI 3.0 for chanx: generate documents from routed consumers, validate, render docs.

``generate(app)`` walks a FastAPI/Starlette app, a Django Channels router or a list of
``(address, consumer)`` pairs and returns a typed :class:`~chanx.asyncapi.v3_0_0.AsyncAPI`
document; ``to_json``/``to_yaml`` write it, ``validate_document`` checks one and
``render_html`` draws the offline docs page. Mountable views live in
``chanx.asyncapi.routes`` (Starlette/FastAPI) and ``chanx.asyncapi.django_urls`` (Django),
the command line in ``chanx-asyncapi``.
"""

from chanx.asyncapi.__about__ import __version__
from chanx.asyncapi.discovery import RoutedConsumer, discover
from chanx.asyncapi.docs_page import WebComponent, official_component, render_html
from chanx.asyncapi.generator import NoConsumersError, generate, security_schemes_of
from chanx.asyncapi.serialize import dump, to_json, to_yaml
from chanx.asyncapi.validate import SpecFileError, load_file, validate_document, validate_file

__all__ = [
    "NoConsumersError",
    "RoutedConsumer",
    "SpecFileError",
    "WebComponent",
    "__version__",
    "discover",
    "dump",
    "generate",
    "load_file",
    "official_component",
    "render_html",
    "security_schemes_of",
    "to_json",
    "to_yaml",
    "validate_document",
    "validate_file",
]
