"""AsyncAPI 3.0 for chanx: generate documents from routed consumers, validate, render docs.

:class:`~chanx.asyncapi.generator.AsyncAPIGenerator` turns the routes a discovery found
(:mod:`chanx.routing`) into a document; :func:`~chanx.asyncapi.generator.generate` does both
for any FastAPI/Starlette app, Django Channels router or list of ``(address, consumer)``
pairs. ``to_json``/``to_yaml`` write a document, ``validate_document`` checks one and
``render_html`` draws the offline docs page. The views live in the bindings
(``chanx.fast_channels.views``, ``chanx.channels.views``), the command line in
``chanx-asyncapi``.
"""

from chanx.asyncapi.__about__ import __version__
from chanx.asyncapi.docs_page import WebComponent, official_component, render_html
from chanx.asyncapi.generator import AsyncAPIGenerator, NoConsumersError, generate
from chanx.asyncapi.security import security_schemes_of
from chanx.asyncapi.serialize import dump, to_json, to_yaml
from chanx.asyncapi.validate import SpecFileError, load_file, validate_document, validate_file

__all__ = [
    "AsyncAPIGenerator",
    "NoConsumersError",
    "SpecFileError",
    "WebComponent",
    "__version__",
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
