"""Write (or check) the API reference pages ``docs/api/<distribution>.rst``.

One page per distribution, one section per public module (private modules start with ``_``),
each an ``automodule``. A package ``__init__`` that re-exports names from its submodules gets a
list of links to where each one is documented. Run it after adding or removing a module::

    python docs/gen_api.py            # rewrite the pages
    python docs/gen_api.py --check    # fail if a page is out of date
    python docs/gen_api.py --inventory docs/_build/html/objects.inv
                                      # fail unless every __all__ name is in the built reference

It imports the modules, so run it where all five packages are installed (any hatch env).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
API = DOCS / "api"

#: Reading order of the distributions in the reference.
ORDER = [
    "chanx-core",
    "chanx-asgi",
    "chanx-django",
    "chanx-asyncapi",
    "chanx-mixins",
    "chanx-client",
]

#: Extras the install line of each distribution's page names.
EXTRAS = {"chanx-django": "[drf]", "chanx-mixins": "[redis]", "chanx-client": "[cli]"}


def install_line(name: str) -> str:
    """How to install ``name``: from a clone (the packages are not on an index yet), and later."""
    extra = EXTRAS.get(name, "")
    local = ["./chanx/packages/chanx-core"]
    if name == "chanx-client":  # its cli extra needs chanx-asyncapi, not on an index yet
        local.append("./chanx/packages/chanx-asyncapi")
    if name != "chanx-core":
        local.append(f'"./chanx/packages/{name}{extra}"' if extra else f"./chanx/packages/{name}")
    return (
        f"Install from a clone (:ref:`installation`): ``pip install {' '.join(local)}``; "
        f"once published: ``pip install {name}{extra}``."
    )


@dataclass(frozen=True)
class Distribution:
    """A package folder: its name and the public modules it owns."""

    name: str
    summary: str
    modules: tuple[str, ...]


def public_modules(src: Path) -> list[str]:
    """Dotted names of the public modules under ``src/chanx`` (from files, sorted)."""
    names: list[str] = []
    for path in sorted((src / "chanx").rglob("*.py")):
        rel = path.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if len(parts) < 2 or any(p.startswith("_") for p in parts):
            continue
        names.append(".".join(parts))
    # Packages first, then their modules, in dotted order.
    return sorted(names, key=lambda n: n.split("."))


def distributions() -> list[Distribution]:
    """The five distributions, in reading order."""
    found: dict[str, Distribution] = {}
    for pyproject in (ROOT / "packages").glob("*/pyproject.toml"):
        project = tomllib.loads(pyproject.read_text())["project"]
        found[project["name"]] = Distribution(
            name=project["name"],
            summary=project.get("description", ""),
            modules=tuple(public_modules(pyproject.parent / "src")),
        )
    return [found[n] for n in ORDER if n in found] + [
        d for n, d in sorted(found.items()) if n not in ORDER
    ]


def home_of(module: ModuleType, name: str) -> str | None:
    """Dotted module where ``module.name`` is defined, when it is a class or function."""
    obj = getattr(module, name)
    if inspect.isclass(obj) or inspect.isroutine(obj):
        home = getattr(obj, "__module__", None)
        return home if isinstance(home, str) else None
    return None


def is_public_module(name: str) -> bool:
    """True for ``chanx.x.y`` modules none of whose parts is private."""
    return name.startswith("chanx.") and not any(p.startswith("_") for p in name.split("."))


def reexports(module: ModuleType) -> list[tuple[str, str]]:
    """``(name, role)`` of the names in ``__all__`` defined in another public module."""
    result: list[tuple[str, str]] = []
    for name in getattr(module, "__all__", ()):
        home = home_of(module, name)
        if home is None or home == module.__name__ or not is_public_module(home):
            continue
        obj = getattr(module, name)
        role = "class" if inspect.isclass(obj) else "func"
        qualname = getattr(obj, "__qualname__", name)
        result.append((f"{home}.{qualname}", role))
    return result


def _configure_django() -> None:
    """Minimal settings, as in ``conf.py``: some chanx.channels modules import DRF, which reads
    them at import."""
    if importlib.util.find_spec("django") is None:
        return
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "channels"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        )
        django.setup()


def render(dist: Distribution) -> str:
    """The reStructuredText of one distribution's page."""
    lines = [
        ".. This page is generated by docs/gen_api.py; edit the docstrings instead.",
        "",
        dist.name,
        "=" * len(dist.name),
        "",
        dist.summary,
        "",
        f"{install_line(dist.name)} Modules: {', '.join(f':mod:`{m}`' for m in dist.modules)}.",
        "",
    ]
    _configure_django()
    for name in dist.modules:
        module = importlib.import_module(name)
        lines += [name, "-" * len(name), "", f".. automodule:: {name}", ""]
        listed = reexports(module)
        if listed:
            links = ", ".join(f":{role}:`~{target}`" for target, role in listed)
            lines += [f"Also importable from here: {links}.", ""]
    return "\n".join(lines)


def write(check: bool) -> int:
    """Write every page, or with ``check`` report the ones that differ."""
    stale: list[str] = []
    expected = {f"{d.name}.rst": render(d) for d in distributions()}
    for filename, text in expected.items():
        path = API / filename
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(filename)
        else:
            path.write_text(text)
    if stale:
        print(f"out of date: {stale}; run: hatch run python docs/gen_api.py", file=sys.stderr)
        return 1
    return 0


def missing_from_inventory(inventory: Path) -> list[str]:
    """Names in any public ``__all__`` that the built reference does not document."""
    from sphinx.util.inventory import InventoryFile

    _configure_django()  # importing chanx.channels modules needs configured settings
    with inventory.open("rb") as f:
        inv = InventoryFile.load(f, "", lambda base, uri: uri)
    documented = {
        name for kind, entries in inv.items() if kind.startswith("py:") for name in entries
    }
    missing: list[str] = []
    for dist in distributions():
        for modname in dist.modules:
            if modname not in documented:
                missing.append(modname)
            module = importlib.import_module(modname)
            for name in getattr(module, "__all__", ()):
                candidates = {f"{modname}.{name}"}
                home = home_of(module, name)
                if home is not None:
                    candidates.add(f"{home}.{getattr(getattr(module, name), '__qualname__', name)}")
                if not candidates & documented:
                    missing.append(f"{modname}.{name}")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="API reference pages of the chanx docs")
    parser.add_argument("--check", action="store_true", help="fail if a page is out of date")
    parser.add_argument("--inventory", type=Path, help="verify a built objects.inv")
    args = parser.parse_args(argv)
    if args.inventory is not None:
        missing = missing_from_inventory(args.inventory)
        if missing:
            print(f"not in the API reference: {missing}", file=sys.stderr)
            return 1
        print("every public module and every __all__ name is in the API reference")
        return 0
    return write(args.check)


if __name__ == "__main__":
    sys.exit(main())
