"""Sphinx configuration of the chanx documentation (built with ``hatch run docs:build``).

The build runs with ``-W --keep-going -n``: every warning, including every unresolved
cross-reference, fails it. The network is not used: Python's own inventory is read from the
local ``python3-doc`` package when it is installed; references into third-party libraries
(Pydantic, Django, Starlette...) are not linked and listed in ``nitpick_ignore_regex``.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import posixpath
import sys
import typing
from pathlib import Path
from typing import Any, TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "examples"))

# chanx.channels imports Django; autodoc needs configured settings to import it.
if importlib.util.find_spec("django") is not None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=[
                "django.contrib.auth",
                "django.contrib.contenttypes",
                "channels",
            ],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        )
        django.setup()

project = "chanx"
author = "chanx developers"
copyright = "chanx developers"
release = version = ""

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    # napoleon is loaded in setup() below, minus attribute docstrings
    "sphinx.ext.viewcode",
    "myst_parser",  # the packages' CHANGELOG.md files
]
myst_heading_anchors = 2

# _static/bench/results.rst is included by performance.rst, not a page of its own.
exclude_patterns = ["_build", "examples/README.md", "_static/bench/*.rst"]
nitpicky = True

html_theme = "furo"
html_title = "chanx"
html_static_path = ["_static"]
# Code blocks wrap and tables fit the column: nothing scrolls sideways at 390 or 1280 px.
html_css_files = ["chanx.css"]

# -- autodoc --------------------------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    # `__all__` decides what a module shows; names re-exported from another public chanx module
    # are filtered out by ``_OwnMembersModuleDocumenter`` below (documented once, where defined).
    "imported-members": True,
    "special-members": "__version__",
    "undoc-members": True,
    "show-inheritance": True,
    "member-order": "bysource",
}
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# -- intersphinx: local files only ---------------------------------------------------------
_PY_INV = next(
    (
        p
        for p in (
            os.environ.get("CHANX_PYTHON_INVENTORY", ""),
            "/usr/share/doc/python3-doc/html/objects.inv",
            "/usr/share/doc/python3/html/objects.inv",
        )
        if p and Path(p).is_file()
    ),
    None,
)
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
if _PY_INV is not None:
    intersphinx_mapping["python"] = ("https://docs.python.org/3", _PY_INV)

# Third-party libraries without an offline inventory: their names stay plain text.
_THIRD_PARTY = (
    "pydantic",
    "pydantic_core",
    "asgiref",
    "django",
    "channels",
    "channels_redis",
    "rest_framework",
    "starlette",
    "fastapi",
    "fast_channels",
    "redis",
    "click",
    "yaml",
    "pytest",
    "_pytest",
    "opentelemetry",
    "prometheus_client",
    "httpx",
    "websockets",
)
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_THIRD_PARTY)})(\..*)?"),
    # Names that exist only in the type checker's view of a module (TypeVars, TYPE_CHECKING).
    (r"py:.*", r"(.*\.)?(F|C|M)"),
    # Private bases (``show-inheritance``) are not documented.
    (r"py:.*", r"(.*\.)?_[A-Za-z]\w*(\..*)?"),
    (r"py:class", r"(BaseModel|ConfigDict|TypeAdapter|ValidationError)"),
    # Not in Python 3.11's inventory; and Django's argparse docstrings say "string".
    (r"py:class", r"(re\.Pattern|string)"),
]
if _PY_INV is None:
    # Without Python's inventory, standard-library references cannot resolve either.
    print("docs: python3-doc inventory not found; standard-library names are not linked")
    nitpick_ignore_regex.append((r"py:.*", r"(?!chanx\.)[A-Za-z_][\w.]*"))


# -- local extension ------------------------------------------------------------------------
def _public_chanx_module(name: str) -> bool:
    return name.startswith("chanx.") and not any(p.startswith("_") for p in name.split("."))


def setup(app: Any) -> dict[str, Any]:
    """Autodoc and napoleon tweaks; see the comments of each piece."""
    from sphinx.ext import napoleon
    from sphinx.ext.autodoc import ModuleDocumenter, ObjectMember

    class _OwnMembersModuleDocumenter(ModuleDocumenter):
        """Skip members defined in another public chanx module (documented there)."""

        def get_object_members(self, want_all: bool) -> Any:
            check, members = super().get_object_members(want_all)
            # Names resolved lazily by a module ``__getattr__`` are missing from dir().
            seen = {m.__name__ for m in members}
            for name in getattr(self.object, "__all__", ()):
                if name not in seen and want_all:
                    try:
                        members.append(ObjectMember(name, getattr(self.object, name)))
                    except (AttributeError, ImportError):
                        continue  # an optional extra is not installed
            kept = []
            for member in members:
                home = getattr(member.object, "__module__", None)
                if (
                    isinstance(home, str)
                    and home != self.modname
                    and _public_chanx_module(home)
                    and (isinstance(member.object, type) or callable(member.object))
                ):
                    continue
                kept.append(member)
            # Module-level data without a ``#:`` comment (type aliases, TypeVars) is skipped
            # by autodoc even with undoc-members; names in ``__all__`` are public, show them.
            public = set(getattr(self.object, "__all__", ()))
            if self.analyzer is not None and public:
                attr_docs = self.analyzer.find_attr_docs()
                for member in kept:
                    obj = member.object
                    if (
                        member.__name__ in public
                        and not (
                            inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj)
                        )
                    ) or isinstance(obj, TypeVar):
                        attr_docs.setdefault(("", member.__name__), [])
            return check, kept

    app.add_autodocumenter(_OwnMembersModuleDocumenter, override=True)

    # napoleon reads "text: more text" in a one-line attribute comment (``#: ...``) as
    # "type: description"; our attribute comments are prose, so napoleon skips attributes.
    app.setup_extension("sphinx.ext.napoleon")
    # Its skip-member hook (private/special members with docstrings) is not wanted either.
    for event, handler in (
        ("autodoc-process-docstring", napoleon._process_docstring),
        ("autodoc-skip-member", napoleon._skip_member),
    ):
        listeners = app.events.listeners[event]
        for listener in list(listeners):
            if listener.handler is handler:
                listeners.remove(listener)

    def _napoleon_except_attributes(
        app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
    ) -> None:
        if what not in ("attribute", "data", "property"):
            napoleon._process_docstring(app, what, name, obj, options, lines)

    app.connect("autodoc-process-docstring", _napoleon_except_attributes)
    app.add_directive("bench-results", _bench_results_directive())
    app.connect("missing-reference", _resolve_short_names)
    app.connect("autodoc-process-docstring", _alias_docstring)
    # before furo's handler (priority 500), which calls the toctree to build the sidebar
    app.connect("html-page-context", _share_source_page_navigation, priority=400)
    return {"parallel_read_safe": True}


def _share_source_page_navigation(
    app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Resolve the sidebar once per folder of viewcode's source pages, not once per page.

    furo builds every page's sidebar from the whole toctree (about 0.3 s a page here). The
    ~120 ``_modules/`` pages are in no toctree, so nothing in their sidebar is marked current:
    it differs between them only in its links, which are relative to the page's folder.
    Sharing it per folder takes about a third off a full build; the HTML is byte-identical.
    """
    if not pagename.startswith("_modules/") or "toctree" not in context:
        return
    resolve = context["toctree"]
    folder = posixpath.dirname(pagename)

    def toctree(**kwargs: Any) -> Any:
        key = (folder, tuple(sorted(kwargs.items())))
        if key not in _SOURCE_PAGE_NAV:
            _SOURCE_PAGE_NAV[key] = resolve(**kwargs)
        return _SOURCE_PAGE_NAV[key]

    context["toctree"] = toctree


_SOURCE_PAGE_NAV: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}


def _imported_names(modname: str) -> dict[str, str]:
    """Short name -> dotted name of every ``from x import y`` in a module's source.

    Covers ``if TYPE_CHECKING:`` imports, which autodoc cannot evaluate.
    """
    cached = _IMPORTS.get(modname)
    if cached is not None:
        return cached
    found: dict[str, str] = {}
    spec = importlib.util.find_spec(modname) if modname else None
    if spec is not None and spec.origin and spec.origin.endswith(".py"):
        tree = ast.parse(Path(spec.origin).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    _IMPORTS[modname] = found
    return found


_IMPORTS: dict[str, dict[str, str]] = {}


def _resolve_short_names(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve names that reach autodoc unqualified (``TYPE_CHECKING``-only imports).

    ``from __future__ import annotations`` plus ``if TYPE_CHECKING:`` imports leave a bare
    ``Scope`` or ``QuerySet`` in signatures. The name is looked up in the imports of the module
    the reference comes from: a chanx object is linked, a standard-library one goes through
    intersphinx, a third-party one stays plain text. Failing that, if exactly one documented
    chanx object has that name, it is linked. An attribute set in ``__init__`` (so not
    documented itself) links to its class.
    """
    if node.get("refdomain") != "py":
        return None
    from sphinx.ext import intersphinx

    target: str = node["reftarget"]
    domain = env.get_domain("py")
    objects = domain.objects

    def link(dotted: str) -> Any:
        found = domain.resolve_any_xref(
            env, node.get("refdoc"), app.builder, dotted, node, contnode
        )
        return found[0][1] if found else None

    canonical = _canonical_name(target)
    if canonical is not None and canonical != target and canonical in objects:
        return link(canonical)
    head, _, rest = target.partition(".")
    full = _imported_names(node.get("py:module") or "").get(head)
    if full is not None:
        dotted = f"{full}.{rest}" if rest else full
        if dotted in objects:
            return link(dotted)
        if dotted.split(".")[0] in _THIRD_PARTY:
            return contnode
        retry = node.deepcopy()
        retry["reftarget"] = dotted
        resolved = intersphinx.missing_reference(app, env, retry, contnode)
        if resolved is not None:
            return resolved
    if "." not in target:
        matches = [n for n in objects if n.startswith("chanx.") and n.rsplit(".", 1)[-1] == target]
        if len(matches) != 1 and node.get("py:class"):
            owner = f"{node.get('py:module')}.{node.get('py:class')}"
            if node["reftype"] == "attr" and owner in objects:
                matches = [owner]
        if len(matches) == 1:
            return link(matches[0])
        module = sys.modules.get(node.get("py:module") or "")
        if module is not None and hasattr(module, target):
            return contnode  # a module-level helper alias that is not part of the API
    return None


def _canonical_name(dotted: str) -> str | None:
    """``module.qualname`` where the object named ``dotted`` is defined (chanx names only)."""
    if not dotted.startswith("chanx."):
        return None
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 1, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        home, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        return f"{home}.{qualname}" if home and qualname else None
    return None


def _alias_docstring(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """A type alias without its own comment would show the docstring of ``dict`` & co."""
    if what == "data" and lines and not inspect.isclass(obj):
        own = inspect.getdoc(obj) or ""
        if own and "\n".join(lines).strip() == own.strip():
            lines[:] = [f"Type alias: ``{obj!r}``." if typing.get_origin(obj) else ""]


BENCH_RESULTS = HERE.parent / "bench" / "results" / "latest.md"


def _bench_results_directive() -> Any:
    """``.. bench-results::``: the table of ``bench/results/latest.md`` when it exists.

    The results are machine-specific and not committed; without them the page says how to
    produce them.
    """
    from sphinx.util.docutils import SphinxDirective

    class BenchResults(SphinxDirective):
        def run(self) -> list[Any]:
            rows = []
            if BENCH_RESULTS.is_file():
                for line in BENCH_RESULTS.read_text().splitlines():
                    cells = [c.strip() for c in line.strip().strip("|").split("|")]
                    if line.startswith("|") and not set("".join(cells)) <= set("-: "):
                        rows.append(cells)
            if len(rows) < 2:
                text = [
                    "No benchmark results on the machine that built these pages: run",
                    "``hatch run bench:run`` and rebuild.",
                ]
            else:
                text = [".. list-table::", "   :header-rows: 1", ""]
                for row in rows:
                    text += [f"   * - {row[0]}"] + [f"     - {cell}" for cell in row[1:]]
            self.state_machine.insert_input(text, str(BENCH_RESULTS))
            return []

    return BenchResults
