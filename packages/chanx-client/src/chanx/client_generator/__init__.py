"""Generate typed clients (Python and TypeScript) from a chanx AsyncAPI 3 document.

``ClientGenerator(schema, output_dir).generate()`` writes the documented package layout; the
``chanx generate-client`` command wraps it. The generated Python code runs on
``chanx.client``; the TypeScript code on a small runtime written next to it.
"""

from chanx.client_generator.__about__ import __version__
from chanx.client_generator._loader import LoadError
from chanx.client_generator._spec import SchemaError
from chanx.client_generator.generator import ClientGenerator

__all__ = ["ClientGenerator", "LoadError", "SchemaError", "__version__"]
